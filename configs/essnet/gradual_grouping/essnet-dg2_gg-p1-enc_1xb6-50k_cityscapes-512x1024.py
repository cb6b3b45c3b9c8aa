# Gradual grouping, phase 1 of ESSNet-DG2: ESSNet's encoder is ESSNetB's,
# so this is the ESSNetB-DG2 phase-1 run under ESSNet's name (train one of
# the two and point the other's phase 2 at its checkpoint if you like).
_base_ = './essnetb-dg2_gg-p1-enc_1xb6-50k_cityscapes-512x1024.py'
