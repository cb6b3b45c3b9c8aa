# ShuffleNet V2 1.0x (no conv5) at output stride 16 + DeepLab's Dense
# Prediction Cell for Cityscapes (five depthwise separable branches, concat
# to 1280, dropout 0.1 = keep 0.9, 1x1 projection to 256, classifier).
_base_ = ['./shufflenetv2-os16_basic.py']
model = dict(
    decode_head=dict(
        _delete_=True,
        type='DPCHead',
        in_channels=464,
        in_index=0,
        channels=256,
        dpc_rates=((1, 6), (18, 15), (6, 3), (1, 1), (6, 21)),
        dpc_inputs=(-1, 0, 1, 0, 0),
        rate_multiplier=1,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg={{_base_.norm_cfg}},
        align_corners=True,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
