# ESSNetB-DG2 with pyramid pooling (thesis §4.2, Fig. 4.1): PSPNet's pyramid
# pooling (mmseg's PPM) with 1x1, 2x2, 4x4 and 8x8 bins of the whole encoder
# output (128->32 each, concatenated with it: 256 channels), one 4x4
# transposed conv with stride 4 (layers 17-19 of Table 3.1 skipped), two
# non-bt-1D at 16 channels, the 2x2 output deconv.
_base_ = './essnetb-dg2_deconv_1xb6-75k_cityscapes-512x1024.py'
model = dict(
    decode_head=dict(
        type='ESSNetPPMHead',
        pool_scales=(1, 2, 4, 8),
        ppm_channels=32,
        stage_channels=(16, ),
        upsample_cfg=dict(
            _delete_=True, type='DeconvModule', kernel_size=4,
            scale_factor=4)))
