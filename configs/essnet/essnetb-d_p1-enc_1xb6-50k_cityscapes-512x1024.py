# Phase 1 of the ESSNetB-D encoder (thesis §3.4.2, Table 3.1): the encoder
# alone with a 1x1 classifier on 1/8 labels (_base_/p1-enc_cityscapes.py).
# Its iter_50000.pth is loaded by the phase-2 configs essnetb-d_deconv,
# essnetb-d_ups-nbt, essnet-d_ups, essnet-d_trans4x, essnet-d_trans8x and
# essnet-d_nodec (ESSNet's encoder is ESSNetB's).
_base_ = [
    '../_base_/models/essnetb_deconv.py', './_base_/p1-enc_cityscapes.py'
]
model = dict(backbone=dict(variant='D'), decode_head={{_base_.p1_head}})
