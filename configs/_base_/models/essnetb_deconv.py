# ESSNetB (thesis Table 3.1): ERFNet with every encoder non-bt-1D replaced
# by a Conv-module (layer D, DGC or DGCS: backbone.variant), ERFNet's decoder.
_base_ = ['./erfnet_deconv.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='ESSNetB',
        downsample_channels=(16, 64, 128),
        num_blocks=(0, 5, 8),
        num_non_bt_1d=(0, 0, 0),
        dilations=(1, 1, (2, 4, 8, 16)),
        drop_rates=(0., 0.03, 0.3),
        variant='D',
        pw_conv_cfg=None,
        out_indices=(0, 1, 2),
        norm_cfg={{_base_.norm_cfg}}))
