# NDNet45 (e=2) (paper Table II): NDNet45 with expansion 2.
_base_ = [
    '../_base_/models/ndnet_fcn32.py',
    '../_base_/schedules/ndnet_sgd-80k_cityscapes.py',
    '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(depth=45, expansion=2),
    decode_head=dict(in_channels=128),
    auxiliary_head=dict(in_channels=64))
