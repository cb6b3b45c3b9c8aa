# ERFNet's encoder (the ESSNet thesis' baseline, Table 3.2) as an ImageNet
# classifier, as ERFNet's authors pre-trained it. Its checkpoint initialises
# the encoder of
# configs/essnet/erfnet-in1k-pre_deconv_1xb6-75k_cityscapes-512x1024.py.
_base_ = ['./_base_/encoder-cls_8xb32_in1k.py']
model = dict(
    backbone=dict(type='mmseg.ERFNetEncoder', out_indices=(2, )),
    head=dict(in_channels=128))
