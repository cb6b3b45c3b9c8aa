# NDNet's recipe on Cityscapes (paper §III-A; the authors' Seg_NDNet code):
# - SGD, lr 0.1, momentum 0.9, /10 at 35k and 60k, 80k iterations.
# - Weight decay 5e-4 (the paper's "0.9" is a typo) on conv weights only:
#   not on BN parameters nor on biases (the code's two parameter groups).
# - Batch 16, 1024x1024 crops of images rescaled by the paper's scales
#   0.75, 1, 1.25, 1.5, 2 (of 2048x1024), horizontal flip; crops padded
#   with 0 / 255 (bottom-right here, centred in the code).
# - Full-resolution single-scale test.
# It inherits the dataset base because it overrides its pipelines and
# batch size (mmengine forbids a key in two sibling bases).
_base_ = ['../datasets/cityscapes.py']
crop_size = (1024, 1024)
img_scale = (2048, 1024)
scales = [0.75, 1.0, 1.25, 1.5, 2.0]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabel', num_classes=19),
    dict(
        type='RandomChoiceResize',
        scales=[(int(img_scale[0] * s), int(img_scale[1] * s))
                for s in scales],
        resize_type='Resize',
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
train_dataloader = dict(batch_size=16, dataset=dict(pipeline=train_pipeline))

max_iters = 80000
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.),
    clip_grad=None)
param_scheduler = [
    dict(
        type='MultiStepLR',
        milestones=[35000, 60000],
        gamma=0.1,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=8000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=8000,
        save_best='mIoU',
        max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
