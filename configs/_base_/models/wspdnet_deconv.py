# WSPD-Net (thesis §4.3, Table 4.2): 3 non-bt-1D (3x1/1x3) at 16 channels,
# 2 non-bt-1D (5x1/1x5) at 64, num_dws_dil DWS-Dil blocks at 128; ERFNet's
# decoder with 5x1/1x5 non-bt-1D at 64 and 3x1/1x3 at 16.
_base_ = ['./erfnet_deconv.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='WSPDNet',
        downsample_channels=(16, 64, 128),
        num_non_bt_1d=(3, 2),
        kernel_sizes=(3, 5),
        num_dws_dil=2,
        dws_dilations=(2, 4, 8, 16),
        drop_rates=(0.03, 0.03, 0.3),
        out_indices=(0, 1, 2),
        norm_cfg={{_base_.norm_cfg}}),
    decode_head=dict(block_cfg=[
        dict(type='FactorizedResidualBlock', kernel_size=5),
        dict(type='FactorizedResidualBlock', kernel_size=3)
    ]))
