# Cityscapes (fine annotations) at 512x1024 crops, as in mmseg, with the
# checked annotation loader of mmseg_efficient (clear errors on bad labels).
# Prepare the labelTrainIds files with mmseg's
# tools/dataset_converters/cityscapes.py.
dataset_type = 'CityscapesDataset'
data_root = 'data/cityscapes/'
crop_size = (512, 1024)
img_scale = (2048, 1024)
num_classes = 19
# ENet class weights w_c = 1 / ln(1.10 + p_c) (ENet; ESSNet thesis eq. 3.8,
# gamma = 1.10) of the 19 Cityscapes classes, as published with ERFNet
# (Eromera/erfnet_pytorch train/main.py, the decoder-stage weights; p_c
# there counts ERFNet's 20 classes, void included, on the fine train set).
# Every ESSNet/ERFNet Cityscapes config uses them (thesis §3.4.1). For
# another dataset: python tools/analysis_tools/class_stats.py CONFIG --c 1.10
# (mmseg_efficient/datasets/class_weights.py: enet_weights).
cityscapes_enet_class_weight = [
    2.8149, 6.9850, 3.7890, 9.9428, 9.7702, 9.5111, 10.3114, 10.0265, 4.6323,
    9.5608, 7.8698, 9.5169, 10.3737, 6.6616, 10.2605, 10.2879, 10.2898,
    10.4054, 10.1381
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabel', num_classes=num_classes),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    # annotations are loaded after Resize: metrics use the original labels
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabel', num_classes=num_classes),
    dict(type='PackSegInputs')
]
# TTA scales are ratios of the test scale (img_scale), not of the original
# image: at ratio 1.0 (no flip) a view is exactly the test pipeline's input,
# whatever the size of the images.
img_ratios = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
tta_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(
                    type='Resize',
                    scale=(int(img_scale[0] * r + 0.5),
                           int(img_scale[1] * r + 0.5)),
                    keep_ratio=True) for r in img_ratios
            ],
            [
                dict(type='RandomFlip', prob=0., direction='horizontal'),
                dict(type='RandomFlip', prob=1., direction='horizontal')
            ],
            [dict(type='LoadAnnotations')],
            [dict(type='CheckSegLabel', num_classes=num_classes)],
            [dict(type='PackSegInputs')]
        ])
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
