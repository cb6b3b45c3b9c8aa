# NDNet's recipe shrunk for CPU runs on the built-in street scenes: SGD
# (lr 0.1, momentum 0.9), weight decay 5e-4 on conv weights only, lr /10 at
# 7/16 and 3/4 of the run (35k and 60k of 80k), batch 4 of 128x256 crops
# (the street base's scales 0.5-1.5, flip), validation at the end.
# It inherits the dataset base (mmengine forbids a key in two sibling bases).
_base_ = ['../datasets/street_scenes.py', './schedule_demo.py']
max_iters = 300
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.),
    clip_grad=None)
param_scheduler = [
    dict(
        type='MultiStepLR',
        milestones=[max_iters * 7 // 16, max_iters * 3 // 4],
        gamma=0.1,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
