# WSPD-Net (thesis Table 4.2) with its encoder pre-trained on ImageNet
# instead of phase 1 (thesis §3.4.2): the encoder of the classifier
# configs/pretrain/wspdnet-dws2_8xb32_in1k.py (strict), updated with a 4x
# smaller learning rate and weight decay than the decoder (§4.2).
_base_ = ['./wspdnet-dws2_deconv_1xb6-75k_cityscapes-512x1024.py']
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/wspdnet-dws2_8xb32_in1k/epoch_100.pth',
            prefix='backbone.',
            strict=True)))
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=0.25, decay_mult=0.25)}))
