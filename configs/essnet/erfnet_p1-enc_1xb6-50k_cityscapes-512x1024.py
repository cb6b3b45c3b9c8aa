# Phase 1 of ERFNet (thesis §3.4.2): ERFNet's encoder alone with a 1x1
# classifier on 1/8 labels (_base_/p1-enc_cityscapes.py). Phase 2:
# erfnet_deconv_1xb6-75k_cityscapes-512x1024.py loads its iter_50000.pth.
_base_ = [
    '../_base_/models/erfnet_deconv.py', './_base_/p1-enc_cityscapes.py'
]
model = dict(decode_head={{_base_.p1_head}})
