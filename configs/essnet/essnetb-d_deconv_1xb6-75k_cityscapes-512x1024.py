# ESSNetB-D (thesis Table 3.2): layer D (depthwise 3x3 + dense 1x1) in
# every encoder block, ERFNet's decoder.
_base_ = [
    './_base_/essnetb_deconv_cityscapes.py',
    '../_base_/schedules/essnet_adam-plateau-75k.py'
]
model = dict(backbone=dict(variant='D'))
