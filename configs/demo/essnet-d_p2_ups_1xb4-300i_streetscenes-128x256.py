# Two-phase ESSNet-D on the street scenes, phase 2 (thesis §3.4.2): the
# one-phase demo's model and recipe with the encoder initialised from phase
# 1 (essnetb-d_p1-enc_1xb4-300i_streetscenes-128x256.py, its latest
# checkpoint: work_dirs/<run>/last_checkpoint; override with --cfg-options
# model.backbone.init_cfg.checkpoint=PATH; the phase-1 classifier is dropped
# by the 'backbone.' prefix), then 300
# iterations end to end: 300 + 300 against the one-phase demo's 600.
_base_ = './essnet-d_ups_1xb4-600i_streetscenes-128x256.py'
phase_iters = 300
phase1_checkpoint = ('work_dirs/essnetb-d_p1-enc_1xb4-300i_streetscenes-'
                     '128x256/last_checkpoint')
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=phase1_checkpoint,
            prefix='backbone.', strict=True)))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=phase_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=phase_iters, val_interval=phase_iters)
default_hooks = dict(checkpoint=dict(interval=phase_iters))
