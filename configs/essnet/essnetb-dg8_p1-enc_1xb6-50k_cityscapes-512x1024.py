# Phase 1 of the ESSNetB-DG8 encoder: loaded by essnetb-dg8_deconv and
# essnetb-dg8_ppm.
_base_ = './essnetb-d_p1-enc_1xb6-50k_cityscapes-512x1024.py'
model = dict(backbone=dict(variant='DG8'))
