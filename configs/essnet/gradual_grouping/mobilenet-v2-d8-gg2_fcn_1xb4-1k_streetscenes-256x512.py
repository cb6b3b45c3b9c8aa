# Gradual grouping on a non-ESSNet model: mmseg's MobileNetV2-d8 + FCN head
# on the built-in street scenes (CPU-sized). MobileNetV2 passes its conv_cfg
# to every conv of its inverted residual blocks; 'MaskablePointwiseConv2d'
# makes each dense 1x1 conv (expand and project, 33 convs) a
# MaskedGroupConv2d with 2 target groups and leaves the 3x3 and depthwise
# convs plain. GradualGroupingHook lowers alpha 1 -> 0 over iterations
# 0..600, then the model fine-tunes as a grouped model until 1000.
# Deploy: tools/deploy/convert_grouped.py THIS_CONFIG CKPT OUT (writes the
# deploy config, which sets deploy=True in the conv_cfg).
# (mmseg's BiSeNetV2 ignores its conv_cfg and Fast-SCNN passes it to only 6
# of its 1x1 convs, hence MobileNetV2.)
_base_ = [
    '../../_base_/datasets/street_scenes.py', '../../_base_/default_runtime.py'
]
crop_size = (256, 512)
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=crop_size)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='MobileNetV2',
        widen_factor=1.,
        strides=(1, 2, 2, 1, 1, 1, 1),
        dilations=(1, 1, 1, 2, 2, 4, 4),
        out_indices=(4, 6),
        conv_cfg=dict(type='MaskablePointwiseConv2d', target_groups=2),
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='FCNHead',
        in_channels=320,
        channels=128,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=19,
        in_index=1,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

max_iters = 1000
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=5e-4, weight_decay=2e-4))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-5,
        power=0.9,
        by_epoch=False,
        begin=0,
        end=max_iters)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=500)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
custom_hooks = [
    dict(type='GradualGroupingHook', begin=0, end=600, shape='linear')
]
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=500),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
randomness = dict(seed=0)
