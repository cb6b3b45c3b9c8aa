# ESSNetB-D's encoder (thesis Table 3.1; also ESSNet-D's) as an ImageNet
# classifier. Its checkpoint initialises the encoder of
# configs/essnet/essnet-d-in1k-pre_ups_1xb6-75k_cityscapes-512x1024.py.
_base_ = ['./_base_/encoder-cls_8xb32_in1k.py']
model = dict(
    backbone=dict(type='mmseg.ESSNetB', variant='D', out_indices=(2, )),
    head=dict(in_channels=128))
