# EfficientSeg (1.5) on Cityscapes with the U-Net's encoder (MobileNetV3
# bnecks + 1x1 bottleneck: EfficientSegEncoder, all of it) pre-trained on
# ImageNet (the paper trains from scratch; this is the ESSNet thesis'
# pre-training recipe, §4.2): the encoder of the classifier
# configs/pretrain/efficientseg-enc-w1.5_8xb32_in1k.py (strict; it replaces
# the authors' Kaiming init of the encoder, the decoder keeps it), updated
# with a 4x smaller learning rate and weight decay than the decoder.
_base_ = ['./efficientseg-w1.5_1xb4-80k_cityscapes-384x768.py']
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/efficientseg-enc-w1.5_8xb32_in1k/'
            'epoch_100.pth',
            prefix='backbone.',
            strict=True)))
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0.25, decay_mult=0.25)}))
