# Gradual grouping, phase 1 (thesis §3.4.2, §3.5.1) of the ESSNetB encoder
# (Table 3.1): the plain phase 1 (../../essnetb-d_p1-enc_*: encoder + 1x1
# classifier on 1/8 labels, 50k iterations) with MaskedGroupConv2d pointwise
# convs whose alpha goes 1 -> 0 (gg_recipe.py). Leaves set the variant
# (DG2/DG4/DG8: the target groups).
_base_ = [
    '../../essnetb-d_p1-enc_1xb6-50k_cityscapes-512x1024.py', './gg_recipe.py'
]
model = dict(backbone=dict(pw_conv_cfg={{_base_.gg_p1_pw_conv_cfg}}))
custom_hooks = {{_base_.gg_p1_hooks}}
# No best-mIoU checkpoint: one saved while alpha > 0 is not a grouped model.
# Phase 2 loads the last one (iter_50000.pth, alpha = 0).
default_hooks = dict(checkpoint=dict(save_best=None))
