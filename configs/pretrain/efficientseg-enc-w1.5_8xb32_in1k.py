# EfficientSeg's encoder at width 1.5 (MobileNetV3-Large bnecks and the 1x1
# bottleneck, 240 channels at 1/32) as an ImageNet classifier: the whole
# encoder of the U-Net; the decoder (EfficientSegHead) starts from its own
# initialisation. EfficientSeg trains from scratch (Minicity); this is the
# optional pre-training. Its checkpoint initialises the encoder of
# configs/efficientseg/
# efficientseg-w1.5-in1k-pre_1xb4-80k_cityscapes-384x768.py.
_base_ = ['./_base_/encoder-cls_8xb32_in1k.py']
# The inputs the fine-tuning config normalises to (configs/_base_/models/
# efficientseg.py: Minicity's mean/std, RGB), not mmpretrain's ImageNet
# mean/std: the pre-trained encoder must see what it will see there.
data_preprocessor = dict(
    mean=[73.185, 83.0535, 72.777], std=[47.9145, 48.654, 47.94], to_rgb=True)
model = dict(
    backbone=dict(
        type='mmseg.EfficientSegEncoder', width=1.5, out_indices=(4, )),
    head=dict(in_channels=240))
