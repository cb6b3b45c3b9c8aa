# The ShuffleNet V2 + DPC fine-tuning recipe (paper §3.2.3 and the code's
# README): Adam (TF defaults), lr 1e-3 with a 186-step slow start at 1e-4,
# then poly decay (power 0.9) to 0 over 120k steps; L2 weight decay 4e-5 on
# the weights of the regular and 1x1 convs only (TF-slim regularises
# slim.conv2d weights; depthwise weights, BN and biases are not decayed).
max_iters = 120000
optimizer = dict(
    type='Adam', lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=4e-5)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=optimizer,
    clip_grad=None,
    paramwise_cfg=dict(
        norm_decay_mult=0., bias_decay_mult=0., dwconv_decay_mult=0.))
param_scheduler = [
    dict(type='ConstantLR', factor=0.1, begin=0, end=186, by_epoch=False),
    dict(
        type='PolyLR',
        eta_min=0.,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=10000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=10000,
        save_best='mIoU',
        max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
