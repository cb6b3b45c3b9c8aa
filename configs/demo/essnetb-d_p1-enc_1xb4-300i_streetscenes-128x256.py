# Two-phase ESSNet-D on the street scenes, phase 1 (thesis §3.4.2): the
# ESSNetB-D encoder (ESSNet-D's) alone with a 1x1 classifier trained on
# labels downsampled to 1/8 (LabelDownsampleHead), 300 iterations. The data,
# optimizer (Adam + poly, restarted in each phase), class weights and seed
# are the one-phase demo's (essnet-d_ups_1xb4-600i_streetscenes-128x256.py).
# Next: essnet-d_p2_ups_1xb4-300i_streetscenes-128x256.py.
_base_ = [
    '../_base_/models/essnetb_deconv.py',
    '../_base_/datasets/street_scenes.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_demo.py'
]
crop_size = (128, 256)
phase_iters = 300
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(variant='D'),
    decode_head=dict(
        _delete_=True,
        type='LabelDownsampleHead',
        in_channels=128,
        in_index=2,
        num_classes=19,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss',
            class_weight={{_base_.street_enet_class_weight}})))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=phase_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=phase_iters, val_interval=phase_iters)
default_hooks = dict(checkpoint=dict(interval=phase_iters))
