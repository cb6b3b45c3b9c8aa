# Shared by the street-scene comparison of gradual grouping (CPU-sized):
# data as configs/demo (128x256 crops of the built-in 512x256 street
# scenes, batch 4), the thesis' optimizer (Adam 5e-4, weight decay 2e-4) and
# ReduceOnPlateau (factor 0.5 on val mIoU), ENet class weights of the street
# data, seed 0. Generate the data with tools/misc/generate_street_data.py.
_base_ = [
    '../../../_base_/datasets/street_scenes.py',
    '../../../_base_/default_runtime.py'
]
crop_size = (128, 256)  # the crop of street_scenes.py
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=5e-4, weight_decay=2e-4))
param_scheduler = [
    dict(
        type='ReduceOnPlateauLR',
        monitor='mIoU',
        rule='greater',
        factor=0.5,
        patience=1,
        by_epoch=True)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=600, val_interval=100)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=100),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
randomness = dict(seed=0)
