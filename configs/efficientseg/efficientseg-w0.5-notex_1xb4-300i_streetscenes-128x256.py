# The no-texture arm of the miniature: as
# efficientseg-w0.5_1xb4-300i_streetscenes-128x256.py without JPEG
# re-encoding and the hue/brightness multiply (scaling, rare-class crops,
# rotation in the p=0.7 group and flips stay).
_base_ = ['./efficientseg-w0.5_1xb4-300i_streetscenes-128x256.py']
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
