# EfficientSeg (1.5) on the full Cityscapes train set (2975 images) with
# the Minicity recipe (not in the paper): the same pipeline, rare-class
# oversampling, loss and Adam schedule, 80k iterations (about 100 epochs of
# 2975 + 180 samples), lr / 10 at 2/3.
_base_ = ['./efficientseg-w1.5_1xb4-28.5k_minicity-384x768.py']
data_root = 'data/cityscapes/'
max_iters = 80000
train_dataloader = dict(dataset=dict(dataset=dict(data_root=data_root)))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
param_scheduler = [
    dict(
        type='MultiStepLR',
        by_epoch=False,
        begin=0,
        end=max_iters,
        milestones=[max_iters * 2 // 3],
        gamma=0.1)
]
train_cfg = dict(max_iters=max_iters, val_interval=8000)
default_hooks = dict(checkpoint=dict(interval=8000))
