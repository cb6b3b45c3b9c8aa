# ShuffleNet V2 1.0x (no conv5) at output stride 16 + DeepLabV3's "basic"
# head (image pooling + 1x1, 1x1 projection to 256, dropout 0.1 = keep 0.9,
# classifier), bilinear upsampling of the logits (Türkmen & Heikkilä 2019).
# Inputs are scaled to [-1, 1] as in the authors' code (pad value 0 = 127.5).
# The backbone starts from mmpretrain's ImageNet ShuffleNetV2 classifier
# (trained on ImageNet mean/std inputs; the authors' own checkpoint took
# [-1, 1]); the logits are upsampled with align_corners=True as in DeepLab.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
imagenet_checkpoint = (
    'https://download.openmmlab.com/mmclassification/v0/shufflenet_v2/'
    'shufflenet_v2_batch1024_imagenet_20200812-5bf4721e.pth')
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='ShuffleNetV2Atrous',
        widen_factor=1.0,
        output_stride=16,
        out_indices=(2, ),
        norm_cfg=norm_cfg,
        init_cfg=dict(
            type='Pretrained',
            checkpoint=imagenet_checkpoint,
            prefix='backbone.')),
    decode_head=dict(
        type='BasicASPPHead',
        in_channels=464,
        in_index=0,
        channels=256,
        dilations=(1, ),
        bottleneck_kernel_size=1,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=True,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
