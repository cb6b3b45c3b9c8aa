# The report's future work: SegFormer-B0 (full recipe) distilled from a
# trained SegFormer-B2 (full recipe) with channel-wise distillation of the
# logits (Shu et al. 2021; tau 1, weight 3 as mmrazor's CWD configs). Train
# the B2 teacher first; any encoder-decoder config of this package can be
# the student the same way (e.g. configs/segformer_kitti/
# essnet-dg2_ups-cwd-essnet-d_1xb4-300i_streetscenes-128x256.py).
_base_ = [
    './segformer_mit-b0_4xb2-cs-polyr-cb-ohem-ms-aux-40k_kitti-375x1242.py'  # noqa: E501
]
teacher = 'segformer_mit-b2_4xb2-cs-polyr-cb-ohem-ms-aux-40k_kitti-375x1242'
model = dict(
    type='DistillEncoderDecoder',
    teacher_config='{{fileDirname}}/' + teacher + '.py',
    teacher_checkpoint='work_dirs/' + teacher + '/iter_40000.pth',
    distill_loss=dict(
        type='ChannelWiseDistillationLoss', tau=1.0, loss_weight=3.0))
