# EfficientSeg's encoder at width 1.5 (MobileNetV3-Large bnecks and the 1x1
# bottleneck, 240 channels at 1/32) as an ImageNet classifier: the whole
# encoder of the U-Net; the decoder (EfficientSegHead) starts from its own
# initialisation. EfficientSeg trains from scratch (Minicity); this is the
# optional pre-training. Its checkpoint initialises the encoder of
# configs/efficientseg/
# efficientseg-w1.5-in1k-pre_1xb4-80k_cityscapes-384x768.py.
_base_ = ['./_base_/encoder-cls_8xb32_in1k.py']
model = dict(
    backbone=dict(
        type='mmseg.EfficientSegEncoder', width=1.5, out_indices=(4, )),
    head=dict(in_channels=240))
