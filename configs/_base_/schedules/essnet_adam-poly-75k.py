# The ESSNet thesis' optimizer and loop (essnet_adam-plateau-75k.py: Adam,
# lr 5e-4, weight decay 2e-4, 75k iterations) with ERFNet's poly decay
# (power 0.9) instead of the thesis' ReduceLROnPlateau: it needs no
# validation signal, so validation runs every 7500 iterations.
_base_ = ['./essnet_adam-plateau-75k.py']
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0.,
        power=0.9,
        begin=0,
        end={{_base_.max_iters}},
        by_epoch=False)
]
train_cfg = dict(val_interval=7500)
default_hooks = dict(checkpoint=dict(interval=7500))
