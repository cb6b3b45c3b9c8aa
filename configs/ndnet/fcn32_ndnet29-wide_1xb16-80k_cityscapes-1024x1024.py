# Wider NDNet29 (paper Table II baseline): n_md (64, 128, 256);
# the paper could not train it at batch 16 (efficiency only).
_base_ = [
    '../_base_/models/ndnet_fcn32.py',
    '../_base_/schedules/ndnet_sgd-80k_cityscapes.py',
    '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(depth=29, expansion=4, mid_channels=(64, 128, 256)),
    decode_head=dict(in_channels=1024),
    auxiliary_head=dict(in_channels=512))
