# KITTI semantic segmentation (``data_semantics`` as downloaded):
# training/image_2 + training/semantic (Cityscapes label ids, mapped to the
# 19 train ids on the fly by KittiSemanticDataset), frames of about
# 1242x375 (not all the same size, none a multiple of 32). Our 150/50
# train/val split of KITTI's 200 labelled frames (a seeded draw, seed 0;
# the report's own split is not published, so its numbers are not
# comparable on it) is written by
#   python tools/dataset_converters/kitti_semantic_split.py \
#       data/kitti_semantics
# Training and testing run at the native size: single-scale training crops
# the whole frame (pad to 375x1242), testing takes whole frames as they are
# (mode='whole'; sliding windows also work, e.g. --cfg-options
# model.test_cfg.mode=slide model.test_cfg.crop_size="(375,375)"
# model.test_cfg.stride="(250,250)"), and masks come back at each frame's
# own size. TTA: 6 scales x flip (as mmseg's Cityscapes).
dataset_type = 'KittiSemanticDataset'
data_root = 'data/kitti_semantics/'
img_scale = (1242, 375)  # (W, H), KITTI's native size
crop_size = (375, 1242)  # (H, W)
num_classes = 19
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabel', num_classes=num_classes),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
# Multi-scale training (the report's "+MS" step): random rescaling by
# 0.5-2.0 before the crop.
train_pipeline_ms = [
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
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabel', num_classes=num_classes),
    dict(type='PackSegInputs')
]
img_ratios = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75]
tta_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(type='Resize', scale_factor=r, keep_ratio=True)
                for r in img_ratios
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
            img_path='training/image_2', seg_map_path='training/semantic'),
        ann_file='splits/train.txt',
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
            img_path='training/image_2', seg_map_path='training/semantic'),
        ann_file='splits/val.txt',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
