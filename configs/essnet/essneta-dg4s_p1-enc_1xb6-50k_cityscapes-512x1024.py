# Phase 1 of the ESSNetA-DG4S encoder: loaded by essneta-dg4s_deconv.
_base_ = './essneta-d_p1-enc_1xb6-50k_cityscapes-512x1024.py'
model = dict(backbone=dict(variant='DG4S'))
