# ERFNet (thesis Table 3.2 baseline) with its encoder pre-trained on
# ImageNet instead of phase 1 (thesis §3.4.2; ERFNet's own "pretrained"
# setting): the encoder of the classifier
# configs/pretrain/erfnet-enc_8xb32_in1k.py (strict), updated with a 4x
# smaller learning rate and weight decay than the decoder (§4.2).
_base_ = ['./erfnet_deconv_1xb6-75k_cityscapes-512x1024.py']
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/erfnet-enc_8xb32_in1k/epoch_100.pth',
            prefix='backbone.',
            strict=True)))
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0.25, decay_mult=0.25)}))
