# NDNet61 (paper Table I/II): n_md (12, 24, 48), d (6, 16, 8), e = 4.
_base_ = [
    '../_base_/models/ndnet_fcn32.py',
    '../_base_/schedules/ndnet_sgd-80k_cityscapes.py',
    '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(depth=61, expansion=4),
    decode_head=dict(in_channels=192),
    auxiliary_head=dict(in_channels=96))
