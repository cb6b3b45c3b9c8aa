# Street-scene comparison, (b) phase 1: the ESSNet-DG2 encoder alone with a
# 1x1 classifier on 1/8 labels, alpha 1 -> 0 over iterations 0..200, then
# 100 iterations at alpha = 0. Next: essnet-dg2_gg-p2_ups_1xb4-300i_*.py.
_base_ = [
    '../../_base_/models/essnetb_deconv.py', './_base_/street_gg_demo.py'
]
model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    backbone=dict(
        variant='DG2',
        pw_conv_cfg=dict(_delete_=True, type='MaskedGroupConv2d')),
    decode_head=dict(
        _delete_=True,
        type='LabelDownsampleHead',
        in_channels=128,
        in_index=2,
        num_classes=19,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss',
            class_weight={{_base_.street_enet_class_weight}})))
train_cfg = dict(max_iters=300)
custom_hooks = [dict(type='GradualGroupingHook', begin=0, end=200)]
default_hooks = dict(checkpoint=dict(save_best=None))
