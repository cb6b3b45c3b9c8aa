# ESSNetA (thesis Table 3.3): 3 non-bt-1D + 2 Conv-modules at 64 channels,
# 4 non-bt-1D + 4 Conv-modules at 128 (dilations 2, 4, 8, 16 each), ERFNet's
# decoder. backbone.variant picks layer D, DGC or DGCS.
_base_ = ['./essnetb_deconv.py']
model = dict(backbone=dict(type='ESSNetA', num_non_bt_1d=(0, 3, 4)))
