# The paper's claim in miniature (tools/experiments/claims.py --claims dpc):
# ShuffleNet V2 at OS 16 with the basic head, from scratch (no ImageNet
# weights offline), on the built-in street scenes.
_base_ = [
    '../_base_/models/shufflenetv2-os16_basic.py',
    './_base_/streetscenes_miniature.py'
]
model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    backbone=dict(init_cfg=None))
