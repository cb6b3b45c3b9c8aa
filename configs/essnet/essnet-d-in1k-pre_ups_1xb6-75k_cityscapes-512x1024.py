# ESSNet-D (thesis Table 3.5) with its encoder (ESSNetB-D's) pre-trained on
# ImageNet instead of phase 1 (thesis §3.4.2, "pretrained" approach): the
# encoder of the classifier configs/pretrain/essnetb-d_8xb32_in1k.py
# (strict: every key from it, nothing else), updated with a 4x smaller
# learning rate and weight decay than the decoder (§4.2: 1.25e-4 and
# 0.5e-4 against 5e-4 and 2e-4).
_base_ = ['./essnet-d_ups_1xb6-75k_cityscapes-512x1024.py']
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/essnetb-d_8xb32_in1k/epoch_100.pth',
            prefix='backbone.',
            strict=True)))
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0.25, decay_mult=0.25)}))
