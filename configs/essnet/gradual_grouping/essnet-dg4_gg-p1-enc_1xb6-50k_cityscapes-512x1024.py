# Gradual grouping, phase 1 of ESSNet-DG4: ESSNet's encoder is ESSNetB's,
# so this is the ESSNetB-DG4 phase-1 run under ESSNet's name (train one of
# the two and point the other's phase 2 at its checkpoint if you like).
_base_ = './essnetb-dg4_gg-p1-enc_1xb6-50k_cityscapes-512x1024.py'
