# The ESSNet thesis' optimizer (Adam, lr 5e-4, weight decay 2e-4) with
# ERFNet's poly decay (power 0.9) instead of the thesis' ReduceLROnPlateau
# (essnet_adam-plateau-75k.py): needs no validation signal. 75k iterations
# = ~150 epochs of Cityscapes at batch 6.
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
