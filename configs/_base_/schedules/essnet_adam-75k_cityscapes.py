# The ESSNet thesis' training recipe on Cityscapes (§3.4.1), one GPU:
# - Adam (lr 5e-4, beta1 0.9), weight decay 2e-4, batch size 6 (ERFNet's
#   default; the thesis scales the batch with model size but gives no
#   numbers), 75k iterations = 150 epochs of the 2975 train images (ERFNet).
# - The thesis lowers the lr on plateaus (factor 0.5); this base uses
#   ERFNet's poly decay (power 0.9), which needs no validation signal.
# - Augmentation: scale 0.5-2 around 1024x512, 512x1024 crops, random
#   horizontal and vertical flips, translations of up to 2 px (ERFNet's).
# - Inference at 1024x512, logits resized to 2048x1024 for the metric.
# It inherits the dataset base because it overrides its pipelines and
# batch size (mmengine forbids a key in two sibling bases).
_base_ = ['../datasets/cityscapes.py']
crop_size = (512, 1024)
img_scale = (1024, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCheckedAnnotations', num_classes=19),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='RandomTranslate', max_shift=2, seg_pad_val=255),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadCheckedAnnotations', num_classes=19),
    dict(type='PackSegInputs')
]
# Test-time augmentation around the inference scale (ratios of 1024x512).
img_ratios = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
tta_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(type='Resize', scale_factor=r / 2, keep_ratio=True)
                for r in img_ratios
            ],
            [
                dict(type='RandomFlip', prob=0., direction='horizontal'),
                dict(type='RandomFlip', prob=1., direction='horizontal')
            ], [dict(type='LoadCheckedAnnotations', num_classes=19)],
            [dict(type='PackSegInputs')]
        ])
]
train_dataloader = dict(batch_size=6, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

max_iters = 75000
optimizer = dict(
    type='Adam', lr=5e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=2e-4)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0.,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=7500)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=7500,
        save_best='mIoU',
        max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
