# Cityscapes with DeepLab's augmentation as in the ShuffleNet V2 + DPC code:
# random scale 0.5-2.0 in steps of 0.25 (of 2048x1024), 769x769 crops
# (padded by the data preprocessor: image 127.5, label 255), horizontal
# flip; no photometric distortion. Whole-image inference at 2048x1024.
_base_ = ['./cityscapes.py']
crop_size = (769, 769)
scale_ratios = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabel', num_classes=19),
    dict(
        type='RandomChoiceResize',
        scales=[(int(2048 * r), int(1024 * r)) for r in scale_ratios],
        resize_type='Resize',
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
