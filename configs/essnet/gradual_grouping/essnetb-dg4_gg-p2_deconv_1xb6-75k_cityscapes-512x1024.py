# Gradual grouping, phase 2 of ESSNetB-DG4: the decoder is attached to the
# phase-1 encoder (alpha = 0), whose lr is 5e-4 x 1e-16 (the thesis' 5e-20:
# nearly frozen) for the first 5000 iterations (~10 epochs) while the
# decoder trains at 5e-4; then all train at one lr, halved by
# ReduceOnPlateau on val mIoU. The encoder's pointwise convs stay
# MaskedGroupConv2d at alpha = 0 (a grouped model). Deploy with
#   python tools/deploy/convert_grouped.py THIS_CONFIG CKPT OUT.pth \
#       --deploy-config \
#       configs/essnet/essnetb-dg4_deconv_1xb6-75k_cityscapes-512x1024.py
_base_ = [
    '../essnetb-dg4_deconv_1xb6-75k_cityscapes-512x1024.py',
    './_base_/gg_recipe.py'
]
# The last checkpoint of phase 1.
phase1_checkpoint = (
    'work_dirs/essnetb-dg4_gg-p1-enc_1xb6-50k_cityscapes-512x1024/'
    'iter_50000.pth')
model = dict(
    backbone=dict(
        pw_conv_cfg=dict(_delete_=True, type='MaskedGroupConv2d', alpha=0.0),
        init_cfg=dict(
            type='Pretrained',
            checkpoint=phase1_checkpoint,
            prefix='backbone.')),
    decode_head=dict(
        loss_decode=dict(class_weight={{_base_.enet_class_weight}})))
# One param group per parameter, so that LrMultiplierWindowHook can scale the
# backbone's lr alone.
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0)}))
param_scheduler = {{_base_.plateau_scheduler}}
train_cfg = dict(val_interval={{_base_.gg_val_interval}})
custom_hooks = [
    dict(type='LrMultiplierWindowHook', end=5000, prefix='backbone', lr_mult=1e-16)
]
