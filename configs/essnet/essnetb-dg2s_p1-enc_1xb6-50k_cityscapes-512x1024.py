# Phase 1 of the ESSNetB-DG2S encoder: loaded by essnetb-dg2s_deconv.
_base_ = './essnetb-d_p1-enc_1xb6-50k_cityscapes-512x1024.py'
model = dict(backbone=dict(variant='DG2S'))
