# Distillation experiment on the built-in street scenes, student without a
# teacher: ESSNet-DG2 for 300 iterations, otherwise the demo's recipe
# (configs/demo: 128x256 crops, batch 4, Adam 1e-3 + poly, ENet weights).
# tools/experiments/claims.py --claims distillation compares it with
# essnet-dg2_ups-cwd-essnet-d_1xb4-300i_streetscenes-128x256.py.
_base_ = ['../demo/essnet-d_ups_1xb4-600i_streetscenes-128x256.py']
max_iters = 300
model = dict(backbone=dict(variant='DG2'))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-5,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
