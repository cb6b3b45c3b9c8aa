# WSPD-Net (thesis §4.3, Table 4.2) with 2 DWS-Dil blocks, as the table
# lists them.
_base_ = [
    '../_base_/models/wspdnet_deconv.py',
    '../_base_/schedules/essnet_adam-75k_cityscapes.py',
    '../_base_/default_runtime.py'
]
model = dict(backbone=dict(num_dws_dil=2))
