# NDNet45 (paper Table I/II): n_md (16, 32, 64), d (4, 12, 6), e = 4.
_base_ = [
    '../_base_/models/ndnet_fcn32.py',
    '../_base_/schedules/ndnet_sgd-80k_cityscapes.py',
    '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(depth=45, expansion=4),
    decode_head=dict(in_channels=256),
    auxiliary_head=dict(in_channels=128))
