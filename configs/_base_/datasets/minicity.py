# Minicity (VIPriors 2020 segmentation challenge: 200 train / 100 val / 200
# test images of Cityscapes, 19 classes) with EfficientSeg's training
# pipeline. Layout: data/minicity/leftImg8bit/{train,val,test}/*.png and
# gtFine/{train,val}/*_gtFine_labelIds.png; write the labelTrainIds files
# mmseg's CityscapesDataset reads with
#     python tools/dataset_converters/minicity.py data/minicity
# The test split has no labels: validation and testing use val.
#
# Training (the authors' code): images resized to a random, aspect-changing
# multiple of 1024x512 (height x U(0.75, 2), width x height factor +
# U(-1, 1), >= 0.75; Lanczos), a 384x768 crop (around the class for the
# rare-class extra samples), then with p=0.7 the group [JPEG quality
# 30-100, hue x U(0.4, 1.6), brightness x U(0.4, 1.6), rotation +-20 deg
# (label fill 255)], then a horizontal flip.
# Differences from the code, following the paper: brightness is applied
# (the code has it switched off), the rotation is +-20 deg (code +-10),
# 20 extra samples per rare class (code 40); the label fill is 255 (the
# code fills rotated-in pixels with traffic light, a bug).
# Test: 1024x512, flip TTA (softmax of the image and its mirror averaged).
dataset_type = 'CityscapesDataset'
data_root = 'data/minicity/'
crop_size = (384, 768)
img_scale = (1024, 512)
num_classes = 19
rare_classes = [3, 4, 5, 12, 14, 15, 16, 17, 18]
num_extra = 20
texture_augs = [
    dict(type='JpegCompression', quality_range=(30, 100)),
    dict(
        type='MultiplicativeColorJitter',
        hue_range=(0.4, 1.6),
        brightness_range=(0.4, 1.6)),
]
geometric_augs = [
    dict(type='RandomRotate', prob=1.0, degree=20, seg_pad_val=255),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabel', num_classes=num_classes),
    dict(type='RandomAspectResize', scale=img_scale),
    dict(type='RareClassRandomCrop', crop_size=crop_size),
    dict(
        type='RandomApply', prob=0.7,
        transforms=texture_augs + geometric_augs),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabel', num_classes=num_classes),
    dict(type='PackSegInputs')
]
# Flip-only TTA (the paper's): one ratio, 1.0, of the test scale.
img_ratios = [1.0]
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
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='RareClassOversampledDataset',
        rare_classes=rare_classes,
        num_extra=num_extra,
        dataset=dict(
            type=dataset_type,
            data_root=data_root,
            data_prefix=dict(
                img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
            pipeline=train_pipeline)))
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
