# NDNet29 (paper Table I/II): n_md (24, 48, 96), d (3, 8, 3), e = 4.
_base_ = [
    '../_base_/models/ndnet_fcn32.py',
    '../_base_/schedules/ndnet_sgd-80k_cityscapes.py',
    '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(depth=29, expansion=4),
    decode_head=dict(in_channels=384),
    auxiliary_head=dict(in_channels=192))
