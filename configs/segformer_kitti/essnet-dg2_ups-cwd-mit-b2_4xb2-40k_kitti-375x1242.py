# Any model of this package can be the student: ESSNet-DG2 (configs/essnet)
# trained on KITTI semantics from scratch against the full-recipe
# SegFormer-B2 teacher (train it first), with channel-wise distillation of
# the logits (the teacher's 1/4-resolution logits are resized to the
# student's). ESSNet's own recipe: Adam 5e-4, weight decay 2e-4, poly 0.9.
_base_ = [
    '../_base_/models/essnet_ups.py', '../_base_/datasets/kitti_semantics.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/segformer_adamw-40k.py'
]
crop_size = (375, 1242)
teacher = 'segformer_mit-b2_4xb2-cs-polyr-cb-ohem-ms-aux-40k_kitti-375x1242'
model = dict(
    type='DistillEncoderDecoder',
    data_preprocessor=dict(size=crop_size),
    backbone=dict(variant='DG2'),
    teacher_config='{{fileDirname}}/' + teacher + '.py',
    teacher_checkpoint='work_dirs/' + teacher + '/iter_40000.pth',
    distill_loss=dict(
        type='ChannelWiseDistillationLoss', tau=1.0, loss_weight=3.0))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=5e-4, weight_decay=2e-4))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-6,
        power=0.9,
        begin=0,
        end=40000,
        by_epoch=False)
]
