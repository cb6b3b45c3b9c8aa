# Phase 1 of the ESSNetA-D encoder (thesis §3.4.2, Table 3.3): the encoder
# alone with a 1x1 classifier on 1/8 labels (_base_/p1-enc_cityscapes.py).
# Its iter_50000.pth is loaded by the phase-2 configs essneta-d_deconv.
_base_ = [
    '../_base_/models/essneta_deconv.py', './_base_/p1-enc_cityscapes.py'
]
model = dict(backbone=dict(variant='D'), decode_head={{_base_.p1_head}})
