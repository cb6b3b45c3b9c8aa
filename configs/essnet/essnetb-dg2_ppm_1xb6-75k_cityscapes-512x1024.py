# ESSNetB-DG2 with pyramid pooling (thesis §4.2, Fig. 4.1): pooling levels
# at 1/8, 1/4, 1/2 and 1x of the encoder output (128->32 each, concatenated
# with it: 256 channels), one stride-4 upsampler (layers 17-19 of Table 3.1
# skipped), two non-bt-1D at 16 channels, the 2x2 output deconv.
_base_ = './essnetb-dg2_deconv_1xb6-75k_cityscapes-512x1024.py'
model = dict(
    decode_head=dict(
        type='ESSNetPPMHead',
        pool_ratios=(8, 4, 2, 1),
        ppm_channels=32,
        stage_channels=(16, ),
        upsample_scales=4))
