# Phase 1 of the thesis' two-phase training (§3.4.2; §4.2: "the encoder is
# trained from the down-sampled annotations as ground truth for the first
# 95-100 epochs"), shared by every *_p1-enc_* config: the encoder alone
# with a 1x1 classifier on its 1/8 features, whose loss uses the labels
# downsampled to 1/8 (LabelDownsampleHead, nearest = centre sample, ERFNet's
# PIL NEAREST), ENet class weights, the thesis' Adam + ReduceOnPlateau, and
# 50k iterations (~100 epochs at batch 6; our choice within the thesis'
# 95-100). Phase 2 (the config without "p1-enc") loads the last checkpoint,
# iter_50000.pth, through model.backbone.init_cfg (prefix 'backbone.': the
# classifier is dropped, as the thesis removes "the extra layers").
# A leaf inherits its model base and this file, and sets
#   model = dict(backbone=dict(variant=...), decode_head={{_base_.p1_head}})
_base_ = [
    '../../_base_/datasets/cityscapes_essnet.py',
    '../../_base_/schedules/essnet_adam-plateau-75k.py',
    '../../_base_/default_runtime.py'
]
p1_head = dict(
    _delete_=True,
    type='LabelDownsampleHead',
    in_channels=128,
    in_index=2,
    num_classes=19,
    label_downsample='nearest',
    dropout_ratio=0.,
    align_corners=False,
    loss_decode=dict(
        type='CrossEntropyLoss',
        use_sigmoid=False,
        loss_weight=1.0,
        class_weight={{_base_.cityscapes_enet_class_weight}}))
train_cfg = dict(max_iters=50000)
