# EfficientSeg (Yesilkaynak et al., 2020): a width-scaled MobileNetV3-Large
# encoder with a two-layer 1x1 bottleneck (EfficientSegEncoder) and its
# mirror as a U-Net decoder with 4 concatenation skips (EfficientSegHead).
# Set ``width`` in both (the paper's "depth parameter": 1.5, 6.0).
# Normalisation with the authors' Minicity statistics (RGB, x255); the
# class-weighted cross-entropy of the paper (2: wall, fence, pole, rider,
# motorcycle, bicycle; 3: truck, bus, train) through mmseg's
# CrossEntropyLoss.
norm_cfg = dict(type='SyncBN', requires_grad=True)
efficientseg_class_weight = [
    1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0,
    3.0, 3.0, 3.0, 2.0, 2.0
]
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[73.185, 83.0535, 72.777],
    std=[47.9145, 48.654, 47.94],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='EfficientSegEncoder',
        width=1.0,
        out_indices=(0, 1, 2, 3, 4),
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='EfficientSegHead',
        width=1.0,
        num_classes=19,
        logits_act_cfg=None,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=1.0,
            class_weight=efficientseg_class_weight)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
