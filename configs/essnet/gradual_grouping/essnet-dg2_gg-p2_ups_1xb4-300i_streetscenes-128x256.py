# Street-scene comparison, (b) phase 2: ESSNet-DG2 with the phase-1 encoder
# (alpha = 0), encoder lr x 1e-16 for the first 50 iterations, then 250
# iterations all at one lr. The encoder is phase 1's latest checkpoint
# (last_checkpoint; override: model.backbone.init_cfg.checkpoint=PATH).
# Deploy: tools/deploy/convert_grouped.py with
# --deploy-config .../essnet-dg2_ups_1xb4-600i_streetscenes-128x256.py
_base_ = ['../../_base_/models/essnet_ups.py', './_base_/street_gg_demo.py']
phase1_checkpoint = ('work_dirs/essnet-dg2_gg-p1-enc_1xb4-300i_'
                     'streetscenes-128x256/last_checkpoint')
model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    backbone=dict(
        variant='DG2',
        pw_conv_cfg=dict(_delete_=True, type='MaskedGroupConv2d', alpha=0.0),
        init_cfg=dict(
            type='Pretrained',
            checkpoint=phase1_checkpoint,
            prefix='backbone.',
            strict=True)),
    decode_head=dict(
        loss_decode=dict(class_weight={{_base_.street_enet_class_weight}})))
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0)}))
train_cfg = dict(max_iters=300)
custom_hooks = [
    dict(type='LrMultiplierWindowHook', end=50, prefix='backbone', lr_mult=1e-16)
]
