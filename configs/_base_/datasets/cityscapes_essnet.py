# Cityscapes with the ESSNet thesis' data recipe (§3.4.1): scaling 0.5-2
# around 1024x512 with 512x1024 crops, random horizontal and vertical
# flips, translations of up to 2 px (ERFNet's); inference at 1024x512
# (logits resized to 2048x1024 for the metric); batch size 6 on one GPU
# (ERFNet's; the thesis scales the batch with model size, no numbers).
_base_ = ['./cityscapes.py']
crop_size = (512, 1024)
img_scale = (1024, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabel', num_classes=19),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='RandomTranslate', max_shift=2, seg_pad_val=255),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabel', num_classes=19),
    dict(type='PackSegInputs')
]
# Test-time augmentation: ratios of the inference scale 1024x512 (so the
# view at ratio 1.0 without flip is the test pipeline, for any image size).
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
            ], [dict(type='LoadAnnotations')],
            [dict(type='CheckSegLabel', num_classes=19)],
            [dict(type='PackSegInputs')]
        ])
]
train_dataloader = dict(batch_size=6, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
