# EfficientSeg's schedule (authors' code): Adam, lr 1e-3, weight decay 1e-6,
# batch 4, 300 epochs with the lr divided by 10 at epoch 200 (2/3).
# On Minicity an epoch is 200 images + 9 x 20 rare-class extras = 380
# samples = 95 iterations: 28,500 iterations, lr / 10 at 19,000.
max_iters = 28500
optimizer = dict(type='Adam', lr=1e-3, betas=(0.9, 0.999), weight_decay=1e-6)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
param_scheduler = [
    dict(
        type='MultiStepLR',
        by_epoch=False,
        begin=0,
        end=max_iters,
        milestones=[max_iters * 2 // 3],
        gamma=0.1)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=950)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=950,
        save_best='mIoU',
        max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
