# Gradual grouping, phase 2 (thesis §3.5.1) of ESSNet (the 1x1-upsampling
# decoder): the thesis config ../../essnet-d_ups_* with the encoder's pointwise
# convs MaskedGroupConv2d at alpha = 0 (a grouped model) initialised from a
# gradual-grouping phase 1, and the encoder nearly frozen for the first 5000
# iterations (gg_recipe.py). Leaves set the variant and the phase-1 checkpoint.
# Deploy: tools/deploy/convert_grouped.py (see README.md).
_base_ = [
    '../../essnet-d_ups_1xb6-75k_cityscapes-512x1024.py', './gg_recipe.py'
]
model = dict(backbone=dict(pw_conv_cfg={{_base_.gg_p2_pw_conv_cfg}}))
optim_wrapper = dict(paramwise_cfg={{_base_.gg_p2_paramwise_cfg}})
custom_hooks = {{_base_.gg_p2_hooks}}
