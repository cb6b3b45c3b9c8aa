# The paper's claim in miniature
# (tools/experiments/claims.py --claims texture_aug):
# EfficientSeg at width 0.5 on the built-in street scenes (512x256 images,
# 128x256 crops), EfficientSeg's full pipeline scaled to the data (base
# size 512x256, 10 extra samples per rare class for 100 training images, as
# 20 for Minicity's 200) and its Adam schedule shortened to 300 iterations
# (lr / 10 at 200). Flip TTA at 512x256.
_base_ = [
    '../_base_/models/efficientseg.py', '../_base_/datasets/minicity.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/efficientseg_adam-28.5k.py'
]
data_root = 'data/street_scenes/'
crop_size = (128, 256)
img_scale = (512, 256)
width = 0.5
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(width=width),
    decode_head=dict(width=width))
texture_augs = [
    dict(type='JpegCompression', quality_range=(30, 100)),
    dict(
        type='MultiplicativeColorJitter',
        hue_range=(0.4, 1.6),
        brightness_range=(0.4, 1.6)),
]
geometric_augs = [
    dict(type='RandomRotate', prob=1.0, degree=20, seg_pad_val=255),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabel', num_classes=19),
    dict(type='RandomAspectResize', scale=img_scale),
    dict(type='RareClassRandomCrop', crop_size=crop_size),
    dict(
        type='RandomApply', prob=0.7,
        transforms=texture_augs + geometric_augs),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabel', num_classes=19),
    dict(type='PackSegInputs')
]
tta_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(
        type='TestTimeAug',
        transforms=[
            [dict(type='Resize', scale=img_scale, keep_ratio=True)],
            [
                dict(type='RandomFlip', prob=0., direction='horizontal'),
                dict(type='RandomFlip', prob=1., direction='horizontal')
            ],
            [dict(type='LoadAnnotations')],
            [dict(type='CheckSegLabel', num_classes=19)],
            [dict(type='PackSegInputs')]
        ])
]
train_dataloader = dict(
    num_workers=2,
    dataset=dict(
        num_extra=10,
        dataset=dict(data_root=data_root, pipeline=train_pipeline)))
val_dataloader = dict(
    num_workers=1, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
max_iters = 300
param_scheduler = [
    dict(
        type='MultiStepLR',
        by_epoch=False,
        begin=0,
        end=max_iters,
        milestones=[200],
        gamma=0.1)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=max_iters, save_best=None, max_keep_ckpts=1))
randomness = dict(seed=0)
