# ESSNet-trans4x (thesis Table 4.1): one transposed conv with stride 4
# (128->16, + BN + ReLU), two D layers, the 2x2 transposed conv to the
# classes. The kernel is 4x4 (= the stride, every output pixel is reached);
# the thesis' 3x3 kernel with stride 4 left 7 of every 16 positions empty.
_base_ = './essnet-d_ups_1xb6-75k_cityscapes-512x1024.py'
model = dict(
    decode_head=dict(
        stage_channels=(16, ),
        upsample_cfg=dict(
            _delete_=True, type='DeconvModule', kernel_size=4,
            scale_factor=4)))
