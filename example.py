cityscapes_enet_class_weight = [
    2.8149,
    6.985,
    3.789,
    9.9428,
    9.7702,
    9.5111,
    10.3114,
    10.0265,
    4.6323,
    9.5608,
    7.8698,
    9.5169,
    10.3737,
    6.6616,
    10.2605,
    10.2879,
    10.2898,
    10.4054,
    10.1381,
]
crop_size = (
    128,
    256,
)
custom_imports = dict(
    allow_failed_imports=False, imports=[
        'mmseg_efficient',
    ])
data_preprocessor = dict(
    bgr_to_rgb=True,
    mean=[
        123.675,
        116.28,
        103.53,
    ],
    pad_val=0,
    seg_pad_val=255,
    size=(
        512,
        1024,
    ),
    std=[
        58.395,
        57.12,
        57.375,
    ],
    type='SegDataPreProcessor')
data_root = 'data/street_scenes/'
dataset_type = 'CityscapesDataset'
default_hooks = dict(
    checkpoint=dict(by_epoch=False, interval=600, type='CheckpointHook'),
    logger=dict(interval=10, log_metric_by_epoch=False, type='LoggerHook'),
    param_scheduler=dict(type='ParamSchedulerHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    timer=dict(type='IterTimerHook'),
    visualization=dict(type='SegVisualizationHook'))
default_scope = 'mmseg'
env_cfg = dict(
    cudnn_benchmark=True,
    dist_cfg=dict(backend='nccl'),
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
img_ratios = [
    0.75,
    1.0,
    1.25,
]
img_scale = (
    512,
    256,
)
load_from = None
log_level = 'INFO'
log_processor = dict(by_epoch=False)
max_iters = 600
model = dict(
    backbone=dict(
        dilations=(
            1,
            1,
            (
                2,
                4,
                8,
                16,
            ),
        ),
        downsample_channels=(
            16,
            64,
            128,
        ),
        drop_rates=(
            0.0,
            0.03,
            0.3,
        ),
        norm_cfg=dict(eps=0.001, requires_grad=True, type='SyncBN'),
        num_blocks=(
            0,
            5,
            8,
        ),
        num_non_bt_1d=(
            0,
            0,
            0,
        ),
        out_indices=(
            0,
            1,
            2,
        ),
        pw_conv_cfg=None,
        type='ESSNetB',
        variant='D'),
    data_preprocessor=dict(
        bgr_to_rgb=True,
        mean=[
            123.675,
            116.28,
            103.53,
        ],
        pad_val=0,
        seg_pad_val=255,
        size=(
            128,
            256,
        ),
        std=[
            58.395,
            57.12,
            57.375,
        ],
        type='SegDataPreProcessor'),
    decode_head=dict(
        align_corners=False,
        block_cfg=dict(type='ESSNetBlock', variant='D'),
        dropout_ratio=0.0,
        in_channels=128,
        loss_decode=dict(
            class_weight=[
                2.7542,
                6.5875,
                3.1447,
                9.78,
                9.5101,
                9.0912,
                10.3778,
                10.1786,
                5.085,
                9.1597,
                7.4129,
                9.7808,
                10.3281,
                6.1703,
                9.4849,
                9.8226,
                10.3514,
                10.4408,
                10.2873,
            ],
            loss_weight=1.0,
            type='CrossEntropyLoss',
            use_sigmoid=False),
        norm_cfg=dict(eps=0.001, requires_grad=True, type='SyncBN'),
        num_blocks=2,
        num_classes=19,
        out_cfg=dict(kernel_size=2, stride=2, type='deconv'),
        stage_channels=(
            64,
            16,
        ),
        type='ESSNetHead',
        upsample_cfg=dict(
            type='InterpConv',
            upsample_cfg=dict(
                align_corners=False, mode='bilinear', scale_factor=2))),
    test_cfg=dict(mode='whole'),
    train_cfg=dict(),
    type='EncoderDecoder')
norm_cfg = dict(eps=0.001, requires_grad=True, type='SyncBN')
num_classes = 19
optim_wrapper = dict(
    clip_grad=None,
    optimizer=dict(lr=0.001, type='Adam', weight_decay=0.0001),
    type='OptimWrapper')
optimizer = dict(lr=0.001, type='Adam', weight_decay=0.0001)
param_scheduler = [
    dict(
        begin=0,
        by_epoch=False,
        end=600,
        eta_min=1e-05,
        power=0.9,
        type='PolyLR'),
]
randomness = dict(seed=0)
resume = False
street_enet_class_weight = [
    2.7542,
    6.5875,
    3.1447,
    9.78,
    9.5101,
    9.0912,
    10.3778,
    10.1786,
    5.085,
    9.1597,
    7.4129,
    9.7808,
    10.3281,
    6.1703,
    9.4849,
    9.8226,
    10.3514,
    10.4408,
    10.2873,
]
test_cfg = dict(type='TestLoop')
test_dataloader = dict(
    batch_size=1,
    dataset=dict(
        data_prefix=dict(
            img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        data_root='data/street_scenes/',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(keep_ratio=True, scale=(
                512,
                256,
            ), type='Resize'),
            dict(type='LoadAnnotations'),
            dict(num_classes=19, type='CheckSegLabel'),
            dict(type='PackSegInputs'),
        ],
        type='CityscapesDataset'),
    num_workers=2,
    persistent_workers=True,
    sampler=dict(shuffle=False, type='DefaultSampler'))
test_evaluator = dict(
    iou_metrics=[
        'mIoU',
    ], type='IoUMetric')
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(keep_ratio=True, scale=(
        512,
        256,
    ), type='Resize'),
    dict(type='LoadAnnotations'),
    dict(num_classes=19, type='CheckSegLabel'),
    dict(type='PackSegInputs'),
]
train_cfg = dict(max_iters=600, type='IterBasedTrainLoop', val_interval=600)
train_dataloader = dict(
    batch_size=4,
    dataset=dict(
        data_prefix=dict(
            img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        data_root='data/street_scenes/',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(num_classes=19, type='CheckSegLabel'),
            dict(
                keep_ratio=True,
                ratio_range=(
                    0.5,
                    1.5,
                ),
                scale=(
                    512,
                    256,
                ),
                type='RandomResize'),
            dict(
                cat_max_ratio=0.75, crop_size=(
                    128,
                    256,
                ), type='RandomCrop'),
            dict(prob=0.5, type='RandomFlip'),
            dict(type='PhotoMetricDistortion'),
            dict(type='PackSegInputs'),
        ],
        type='CityscapesDataset'),
    num_workers=2,
    persistent_workers=True,
    sampler=dict(shuffle=True, type='InfiniteSampler'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(num_classes=19, type='CheckSegLabel'),
    dict(
        keep_ratio=True,
        ratio_range=(
            0.5,
            1.5,
        ),
        scale=(
            512,
            256,
        ),
        type='RandomResize'),
    dict(cat_max_ratio=0.75, crop_size=(
        128,
        256,
    ), type='RandomCrop'),
    dict(prob=0.5, type='RandomFlip'),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
tta_model = dict(type='SegTTAModel')
tta_pipeline = [
    dict(backend_args=None, type='LoadImageFromFile'),
    dict(
        transforms=[
            [
                dict(keep_ratio=True, scale=(
                    384,
                    192,
                ), type='Resize'),
                dict(keep_ratio=True, scale=(
                    512,
                    256,
                ), type='Resize'),
                dict(keep_ratio=True, scale=(
                    640,
                    320,
                ), type='Resize'),
            ],
            [
                dict(direction='horizontal', prob=0.0, type='RandomFlip'),
                dict(direction='horizontal', prob=1.0, type='RandomFlip'),
            ],
            [
                dict(type='LoadAnnotations'),
            ],
            [
                dict(num_classes=19, type='CheckSegLabel'),
            ],
            [
                dict(type='PackSegInputs'),
            ],
        ],
        type='TestTimeAug'),
]
val_cfg = dict(type='ValLoop')
val_dataloader = dict(
    batch_size=1,
    dataset=dict(
        data_prefix=dict(
            img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        data_root='data/street_scenes/',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(keep_ratio=True, scale=(
                512,
                256,
            ), type='Resize'),
            dict(type='LoadAnnotations'),
            dict(num_classes=19, type='CheckSegLabel'),
            dict(type='PackSegInputs'),
        ],
        type='CityscapesDataset'),
    num_workers=2,
    persistent_workers=True,
    sampler=dict(shuffle=False, type='DefaultSampler'))
val_evaluator = dict(
    iou_metrics=[
        'mIoU',
    ], type='IoUMetric')
vis_backends = [
    dict(type='LocalVisBackend'),
]
visualizer = dict(
    name='visualizer',
    type='SegLocalVisualizer',
    vis_backends=[
        dict(type='LocalVisBackend'),
    ])
