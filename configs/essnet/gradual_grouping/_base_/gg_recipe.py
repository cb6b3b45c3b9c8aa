# Shared pieces of the gradual-grouping recipe (thesis §3.5.1), used as
# {{_base_.<name>}} by the phase-1 and phase-2 bases (this file defines no
# config key of its own, so it can sit beside any config as a base).
# The rest of the recipe (ENet class weights, Adam, ReduceOnPlateau, the
# two phases) is the thesis recipe of every configs/essnet config.

# Phase 1: the encoder's pointwise convs are MaskedGroupConv2d with the
# variant's groups; alpha goes 1 -> 0 linearly over iterations 0..35k (the
# dense "-D" encoder evolves into "-DG<n>"), then the encoder fine-tunes at
# alpha = 0 until 50k (the thesis gives neither the shape nor the length:
# these are our choices).
gg_p1_pw_conv_cfg = dict(_delete_=True, type='MaskedGroupConv2d')
gg_p1_hooks = [
    dict(type='GradualGroupingHook', begin=0, end=35000, shape='linear')
]
# Phase 2: the decoder is attached to the phase-1 encoder (alpha = 0: a
# grouped model), whose lr is 5e-4 x 1e-16 (the thesis' 5e-20: nearly
# frozen) for the first 5000 iterations (~10 epochs) while the decoder
# trains at 5e-4; then all train at one lr, halved by ReduceOnPlateau.
gg_p2_pw_conv_cfg = dict(
    _delete_=True, type='MaskedGroupConv2d', alpha=0.0)
# One param group per parameter, so that LrMultiplierWindowHook can scale
# the backbone's lr alone.
gg_p2_paramwise_cfg = dict(custom_keys={'backbone': dict(lr_mult=1.0)})
gg_p2_hooks = [
    dict(
        type='LrMultiplierWindowHook',
        end=5000,
        prefix='backbone',
        lr_mult=1e-16)
]
