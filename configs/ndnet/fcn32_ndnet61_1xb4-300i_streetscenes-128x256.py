# NDNet61 + FCN32 on the built-in street scenes (CPU-sized recipe; used by
# tools/experiments/claims.py --claims ndnet).
_base_ = [
    '../_base_/models/ndnet_fcn32.py',
    '../_base_/schedules/ndnet_sgd-300i_streetscenes.py',
    '../_base_/default_runtime.py'
]
crop_size = (128, 256)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(depth=61, norm_cfg=norm_cfg),
    decode_head=dict(in_channels=192, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=96, norm_cfg=norm_cfg))
