# NDNet45 (output stride 32, 256 channels) as an ImageNet classifier. The
# NDNet paper trains from scratch on Cityscapes; this is the optional
# pre-training. Its checkpoint initialises the backbone of
# configs/ndnet/fcn32_ndnet45-in1k-pre_1xb16-80k_cityscapes-1024x1024.py.
_base_ = ['./_base_/encoder-cls_8xb32_in1k.py']
# The inputs the fine-tuning config normalises to (configs/_base_/models/
# ndnet_fcn32.py: [-1, 1], RGB), not mmpretrain's ImageNet mean/std: the
# pre-trained encoder must see what it will see on Cityscapes.
data_preprocessor = dict(
    mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5], to_rgb=True)
model = dict(
    backbone=dict(
        type='mmseg.NDNet', depth=45, expansion=4, out_indices=(2, )),
    head=dict(in_channels=256))
