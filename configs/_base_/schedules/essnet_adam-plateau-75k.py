# The ESSNet thesis' schedule (§3.4.1): Adam (lr 5e-4, beta1 0.9), weight
# decay 2e-4, the lr halved when val mIoU stops improving (ReduceLROnPlateau,
# factor 0.5: mmengine's ReduceOnPlateauLR, stepped after each validation,
# so ``patience`` counts validations: 3 x 2500 iterations = ~15 epochs of
# Cityscapes at batch 6 without improvement halve the lr). 75k iterations =
# ~150 epochs at batch 6 (ERFNet's; the thesis gives no length). The poly
# variant is essnet_adam-poly-75k.py.
max_iters = 75000
val_interval = 2500
optimizer = dict(
    type='Adam', lr=5e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=2e-4)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
param_scheduler = [
    dict(
        type='ReduceOnPlateauLR',
        monitor='mIoU',
        rule='greater',
        factor=0.5,
        patience=3,
        by_epoch=True)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=5000,
        save_best='mIoU',
        max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
