# NDNet + FCN32 head (zgyang-hnu/NDNet flops/NDNet_fcn32.py): a separable
# 3x3 conv to 64 (depthwise without BN, 1x1, BN, ReLU), a 1x1 conv to the
# classes, bilinear x32 (align_corners=True, done by the segmentor's resize),
# plus a training-only auxiliary head on block 2 (separable to 128, 1x1,
# loss weight 0.4). Input normalised as the authors' (x / 255 - 0.5) * 2.
# Change the depth with backbone.depth=29/45/61 and the decode/auxiliary
# in_channels (4 * n_md of blocks 3 / 2).
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=(1024, 1024))
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='NDNet',
        depth=45,
        stem_channels=8,
        expansion=4,
        out_stride=32,
        out_indices=(0, 1, 2),
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='FCN32Head',
        in_channels=256,
        in_index=2,
        channels=64,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=True,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(
        type='FCN32Head',
        in_channels=128,
        in_index=1,
        channels=128,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=True,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
