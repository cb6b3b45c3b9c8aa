# Phase 1 of gradual grouping (thesis §3.4.2, §3.5.1): the ESSNetB encoder
# (also ESSNet's) alone, with a 1x1 classifier on its 1/8 features trained
# on labels downsampled to 1/8 (LabelDownsampleHead, nearest = centre
# sample). Its pointwise convs are MaskedGroupConv2d with the variant's
# groups: alpha goes 1 -> 0 linearly over iterations 0..35k (the dense "-D"
# encoder evolves into "-DG<n>"), then 15k iterations fine-tune at alpha = 0
# (50k iterations = ~100 epochs at batch 6, as the thesis' 95-100 encoder
# epochs). The thesis does not give the schedule's shape or length; these
# are our choices. Adam 5e-4, weight decay 2e-4, ReduceOnPlateau 0.5 on val
# mIoU, BN eps 1e-3, dropout 0.03/0.3, ENet class weights.
_base_ = [
    '../../../_base_/models/essnetb_deconv.py',
    '../../../_base_/schedules/essnet_adam-75k_cityscapes.py',
    '../../../_base_/default_runtime.py', './gg_recipe.py'
]
phase1_iters = 50000
alpha_end = 35000
model = dict(
    backbone=dict(pw_conv_cfg=dict(_delete_=True, type='MaskedGroupConv2d')),
    decode_head=dict(
        _delete_=True,
        type='LabelDownsampleHead',
        in_channels=128,
        in_index=2,
        num_classes=19,
        label_downsample='nearest',
        dropout_ratio=0.,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=1.0,
            class_weight={{_base_.enet_class_weight}})))
param_scheduler = {{_base_.plateau_scheduler}}
train_cfg = dict(
    max_iters=phase1_iters, val_interval={{_base_.gg_val_interval}})
custom_hooks = [
    dict(type='GradualGroupingHook', begin=0, end=alpha_end, shape='linear')
]
# No best-mIoU checkpoint: one saved while alpha > 0 is not a grouped model.
# Phase 2 loads the last one (iter_50000.pth, alpha = 0).
default_hooks = dict(
    checkpoint=dict(interval=5000, save_best=None, max_keep_ckpts=2))
