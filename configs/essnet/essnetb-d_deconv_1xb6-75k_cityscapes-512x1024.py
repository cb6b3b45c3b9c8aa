# ESSNetB-D (thesis Table 3.2): layer D (depthwise 3x3 + dense 1x1) in
# every encoder block, ERFNet's decoder.
_base_ = [
    '../_base_/models/essnetb_deconv.py',
    '../_base_/schedules/essnet_adam-75k_cityscapes.py',
    '../_base_/default_runtime.py'
]
model = dict(backbone=dict(variant='D'))
