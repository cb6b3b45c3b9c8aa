# ERFNet (encoder: ERFNetEncoder) with its own decoder as in the ESSNet
# thesis: 3x3 deconv 128->64, 2 non-bt-1D, 3x3 deconv 64->16, 2 non-bt-1D,
# 2x2 deconv 16->classes (ERFNetHead). Unlike mmseg's erfnet_fcn.py, every
# block honours norm_cfg, the encoder dropout is ERFNet's code's (0.03 in the
# 64-channel stage, 0.3 in the 128-channel one, channel-wise; the thesis
# only says "a constant of 0.3") and the output layer is ERFNet's 2x2
# transposed conv.
norm_cfg = dict(type='SyncBN', eps=1e-3, requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=(512, 1024))
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ERFNetEncoder',
        downsample_channels=(16, 64, 128),
        num_blocks=(0, 5, 8),
        dilations=(1, 1, (2, 4, 8, 16)),
        drop_rates=(0., 0.03, 0.3),
        out_indices=(0, 1, 2),
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='ERFNetHead',
        in_channels=128,
        stage_channels=(64, 16),
        num_blocks=2,
        # ERFNet's 3x3 deconv (stride 2) + BN + ReLU, non-bt-1D blocks and
        # 2x2 deconv output layer, as registry configs.
        upsample_cfg=dict(type='UpsamplerBlock'),
        block_cfg=dict(type='FactorizedResidualBlock', kernel_size=3),
        out_cfg=dict(type='deconv', kernel_size=2, stride=2),
        num_classes=19,
        dropout_ratio=0.,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=1.0,
            # Unweighted here: the training configs set the dataset's ENet
            # weights 1 / ln(1.10 + p_c) (thesis eq. 3.8), e.g. Cityscapes'
            # in configs/essnet/_base_/*_cityscapes.py.
            class_weight=None)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
