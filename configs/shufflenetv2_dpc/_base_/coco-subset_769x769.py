# Stage 1 of the authors' protocol (ImageNet -> COCO subset -> Cityscapes
# coarse -> fine), shared by the basic and DPC configs: COCO 2017 with the 9
# classes Cityscapes also has (person, bicycle, car, motorcycle, bus, train,
# truck, stop sign, parking meter) + background (every other class and
# unlabeled pixels), the images with over 1000 pixels of those classes
# (authors: 69,795 train / 2,956 val), 60k steps of shufflenetv2_adam-60k.py.
# Data: mmseg's COCO-Stuff 164k layout and converter; COCOStuffSubsetDataset
# merges the other classes into background (mmseg's class subset would
# ignore them instead); the image lists come from
#   python tools/dataset_converters/coco_stuff_subset.py data/coco_stuff164k
# Pipeline as the code's: each image rescaled by 0.5-2.0 (steps of 0.25) of
# its own size, 769x769 crops (padded: image 127.5, label 255), flip;
# validation on whole images. The leaves set the model's num_classes (10).
_base_ = [
    '../../_base_/default_runtime.py',
    '../../_base_/schedules/shufflenetv2_adam-60k.py'
]
dataset_type = 'COCOStuffSubsetDataset'
data_root = 'data/coco_stuff164k/'
crop_size = (769, 769)
num_classes = 10
scale_ratios = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabel', num_classes=num_classes),
    dict(
        type='RandomChoice',
        transforms=[[dict(type='Resize', scale_factor=r, keep_ratio=True)]
                    for r in scale_ratios]),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabel', num_classes=num_classes),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='images/train2017', seg_map_path='annotations/train2017'),
        ann_file='cityscapes_classes_train2017.txt',
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
            img_path='images/val2017', seg_map_path='annotations/val2017'),
        ann_file='cityscapes_classes_val2017.txt',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
