# ESSNet-D (thesis Table 3.5): ESSNetB-D's encoder and ESSNet's decoder
# (1x1 upsampling blocks and D layers).
_base_ = [
    './_base_/essnet_ups_cityscapes.py',
    '../_base_/schedules/essnet_adam-plateau-75k.py'
]
model = dict(backbone=dict(variant='D'))
