# ESSNetA (thesis Table 3.3) with ERFNet's decoder on Cityscapes with the
# thesis recipe, phase 2 of the two-phase training (§3.4.2): ENet class
# weights (configs/_base_/datasets/cityscapes.py), the thesis' data recipe,
# and the encoder initialised from the phase-1 checkpoint of essneta-
# d_p1-enc_* (a leaf with another encoder variant points init_cfg.checkpoint
# at its own phase 1; model.backbone.init_cfg=None trains end to end in one
# phase). Leaves add a schedule base (essnet_adam-plateau-75k.py: the thesis';
# or essnet_adam-poly-75k.py).
_base_ = [
    '../../_base_/models/essneta_deconv.py',
    '../../_base_/datasets/cityscapes_essnet.py',
    '../../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='work_dirs/essneta-d_p1-enc_1xb6-50k_'
            'cityscapes-512x1024/iter_50000.pth',
            prefix='backbone.',
            strict=True)),
    decode_head=dict(
        loss_decode=dict(
            class_weight={{_base_.cityscapes_enet_class_weight}})))
