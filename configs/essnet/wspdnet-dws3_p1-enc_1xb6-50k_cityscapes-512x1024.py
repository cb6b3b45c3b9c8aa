# Phase 1 of the WSPD-Net encoder with 3 DWS-Dil blocks. Phase 2:
# wspdnet-dws3_deconv_1xb6-75k_cityscapes-512x1024.py.
_base_ = './wspdnet-dws2_p1-enc_1xb6-50k_cityscapes-512x1024.py'
model = dict(backbone=dict(num_dws_dil=3))
