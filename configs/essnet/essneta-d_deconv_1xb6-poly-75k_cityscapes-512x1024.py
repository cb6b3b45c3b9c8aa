# Poly-schedule variant of essneta-d_deconv_1xb6-75k_cityscapes-512x1024.py:
# the same two-phase recipe (phase 2, encoder from phase 1) with ERFNet's
# poly lr decay instead of the thesis' ReduceLROnPlateau.
_base_ = [
    './_base_/essneta_deconv_cityscapes.py',
    '../_base_/schedules/essnet_adam-poly-75k.py'
]
model = dict(backbone=dict(variant='D'))
