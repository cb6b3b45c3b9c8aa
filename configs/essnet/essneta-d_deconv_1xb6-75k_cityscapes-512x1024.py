# ESSNetA-D (thesis Table 3.4): non-bt-1D in the early encoder blocks,
# layer D in the later ones, ERFNet's decoder.
_base_ = [
    './_base_/essneta_deconv_cityscapes.py',
    '../_base_/schedules/essnet_adam-plateau-75k.py'
]
model = dict(backbone=dict(variant='D'))
