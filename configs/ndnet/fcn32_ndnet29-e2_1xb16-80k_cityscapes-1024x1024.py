# NDNet29 (e=2) (paper Table II): NDNet29 with expansion 2.
_base_ = [
    '../_base_/models/ndnet_fcn32.py',
    '../_base_/schedules/ndnet_sgd-80k_cityscapes.py',
    '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(depth=29, expansion=2),
    decode_head=dict(in_channels=192),
    auxiliary_head=dict(in_channels=96))
