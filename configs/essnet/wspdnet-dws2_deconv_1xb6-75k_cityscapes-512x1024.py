# WSPD-Net (thesis §4.3, Table 4.2) with 2 DWS-Dil blocks, as the table
# lists them.
_base_ = [
    './_base_/wspdnet_deconv_cityscapes.py',
    '../_base_/schedules/essnet_adam-plateau-75k.py'
]
model = dict(backbone=dict(num_dws_dil=2))
