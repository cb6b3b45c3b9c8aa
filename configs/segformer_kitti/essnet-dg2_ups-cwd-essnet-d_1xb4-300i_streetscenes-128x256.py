# The same ESSNet-DG2 student, trained against the logits of a frozen
# ESSNet-D teacher (configs/demo, 600 iterations) with channel-wise
# distillation (Shu et al. 2021; tau 1, weight 3 as mmrazor's CWD configs).
# Train the teacher first:
#   python tools/train.py \
#       configs/demo/essnet-d_ups_1xb4-600i_streetscenes-128x256.py
# (its latest checkpoint is used; override: model.teacher_checkpoint=PATH)
_base_ = ['./essnet-dg2_ups_1xb4-300i_streetscenes-128x256.py']
model = dict(
    type='DistillEncoderDecoder',
    teacher_config=  # noqa: E251
    '{{fileDirname}}/../demo/essnet-d_ups_1xb4-600i_streetscenes-128x256.py',
    teacher_checkpoint=  # noqa: E251
    'work_dirs/essnet-d_ups_1xb4-600i_streetscenes-128x256/last_checkpoint',
    distill_loss=dict(
        type='ChannelWiseDistillationLoss', tau=1.0, loss_weight=3.0))
