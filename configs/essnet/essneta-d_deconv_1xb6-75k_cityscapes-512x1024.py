# ESSNetA-D (thesis Table 3.4): non-bt-1D in the early encoder blocks,
# layer D in the later ones, ERFNet's decoder.
_base_ = [
    '../_base_/models/essneta_deconv.py',
    '../_base_/schedules/essnet_adam-75k_cityscapes.py',
    '../_base_/default_runtime.py'
]
model = dict(backbone=dict(variant='D'))
