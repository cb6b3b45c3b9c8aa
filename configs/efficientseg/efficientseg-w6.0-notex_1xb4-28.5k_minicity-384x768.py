# EfficientSeg (6.0) without the texture augmentations (paper Table 1,
# "w/o aug.": 47.6 mIoU): no JPEG re-encoding and no hue/brightness
# multiply; the non-uniform scaling, the rare-class crops, the rotation
# (in the same p=0.7 group) and the flip stay.
_base_ = ['./efficientseg-w6.0_1xb4-28.5k_minicity-384x768.py']
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabel', num_classes=19),
    dict(type='RandomAspectResize', scale={{_base_.img_scale}}),
    dict(type='RareClassRandomCrop', crop_size={{_base_.crop_size}}),
    dict(
        type='RandomApply',
        prob=0.7,
        transforms={{_base_.geometric_augs}}),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    dataset=dict(dataset=dict(pipeline=train_pipeline)))
