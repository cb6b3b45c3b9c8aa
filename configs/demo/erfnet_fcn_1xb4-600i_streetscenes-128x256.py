# mmseg's own ERFNet (model base taken straight from mmseg through an
# ``mmseg::`` path) trained on CPU on the built-in street scenes.
_base_ = [
    'mmseg::_base_/models/erfnet_fcn.py',
    '../_base_/datasets/street_scenes.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_demo.py'
]
crop_size = (128, 256)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(norm_cfg=norm_cfg))
