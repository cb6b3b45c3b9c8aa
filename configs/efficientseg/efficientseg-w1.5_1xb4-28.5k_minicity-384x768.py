# EfficientSeg (1.5): width 1.5, about the parameters of the VIPriors U-Net
# baseline (13.47M vs 13.40M); paper: 51.5 mIoU on the Minicity test set.
_base_ = [
    '../_base_/models/efficientseg.py', '../_base_/datasets/minicity.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/efficientseg_adam-28.5k.py'
]
crop_size = (384, 768)
width = 1.5
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(width=width),
    decode_head=dict(width=width))
