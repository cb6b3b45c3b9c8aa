# ESSNetA-D's encoder (thesis Table 3.3) as an ImageNet classifier. Its
# checkpoint initialises the encoder of
# configs/essnet/essneta-d-in1k-pre_deconv_1xb6-75k_cityscapes-512x1024.py.
_base_ = ['./_base_/encoder-cls_8xb32_in1k.py']
model = dict(
    backbone=dict(type='mmseg.ESSNetA', variant='D', out_indices=(2, )),
    head=dict(in_channels=128))
