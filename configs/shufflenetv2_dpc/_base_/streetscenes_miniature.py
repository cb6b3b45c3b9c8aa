# The street-scene miniature shared by the basic and DPC configs
# (tools/experiments/claims.py --claims dpc): 128x256 crops, batch 4, the
# paper's optimiser (Adam 1e-3, decay 4e-5 on conv weights, poly 0.9) for a
# CPU-sized budget of 300 iterations. The leaves add the model base (mmengine
# forbids two sibling bases that both set ``model``).
_base_ = [
    '../../_base_/datasets/street_scenes.py',
    '../../_base_/default_runtime.py', '../../_base_/schedules/schedule_demo.py'
]
crop_size = (128, 256)
max_iters = 300
optim_wrapper = dict(
    optimizer=dict(lr=1e-3, weight_decay=4e-5),
    paramwise_cfg=dict(
        norm_decay_mult=0., bias_decay_mult=0., dwconv_decay_mult=0.))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0.,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
