# NDNet45 + FCN32 with the backbone pre-trained on ImageNet (the paper
# trains from scratch; this is the ESSNet thesis' pre-training recipe, §4.2,
# applied to NDNet): the backbone of the classifier
# configs/pretrain/ndnet45_8xb32_in1k.py (strict), updated with a 4x smaller
# learning rate and weight decay than the heads. The schedule already
# exempts norm layers and biases from weight decay; mmengine's constructor
# would let the 'backbone' key replace those rules, so
# MultiplicativeCustomKeysConstructor applies the key's multipliers on top.
_base_ = ['./fcn32_ndnet45_1xb16-80k_cityscapes-1024x1024.py']
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/ndnet45_8xb32_in1k/epoch_100.pth',
            prefix='backbone.',
            strict=True)))
optim_wrapper = dict(
    constructor='MultiplicativeCustomKeysConstructor',
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0.25, decay_mult=0.25)}))
