# The ShuffleNet V2 + DPC pre-training stages (paper §3.2.2-3.2.3: COCO
# subset, then Cityscapes coarse, 60K steps each "with the same parameters"):
# the fine-tuning optimiser (Adam, weight decay 4e-5 on the weights of the
# regular and 1x1 convs) with poly decay (power 0.9) to 0 over 60k steps and
# no slow start (the paper names it for fine-tuning only). The pre-training
# base lr is not recoverable (lost from the paper's text, not in the code,
# whose flag default is 1e-4): 1e-3, the fine-tuning lr, is our choice.
_base_ = ['./shufflenetv2_adam-120k.py']
max_iters = 60000
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0.,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters)
