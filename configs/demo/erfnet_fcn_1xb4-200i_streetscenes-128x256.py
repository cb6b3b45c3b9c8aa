# Demo: mmseg's own ERFNet (model base taken straight from mmseg through an
# ``mmseg::`` path) trained on CPU on the built-in street scenes.
_base_ = [
    'mmseg::_base_/models/erfnet_fcn.py',
    '../_base_/datasets/street_scenes.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_demo.py'
]
crop_size = (128, 256)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(norm_cfg=norm_cfg))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCheckedAnnotations', num_classes=19),
    dict(
        type='RandomResize',
        scale=(512, 256),
        ratio_range=(0.5, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
