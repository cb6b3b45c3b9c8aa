# Phase 1 of the WSPD-Net encoder with 2 DWS-Dil blocks (thesis §4.3): the
# encoder alone with a 1x1 classifier on 1/8 labels. Phase 2:
# wspdnet-dws2_deconv_1xb6-75k_cityscapes-512x1024.py.
_base_ = [
    '../_base_/models/wspdnet_deconv.py', './_base_/p1-enc_cityscapes.py'
]
model = dict(backbone=dict(num_dws_dil=2), decode_head={{_base_.p1_head}})
