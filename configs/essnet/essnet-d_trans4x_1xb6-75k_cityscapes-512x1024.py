# ESSNet-trans4x (thesis Table 4.1): one 3x3 transposed conv with stride 4
# (128->16), two D layers, the 2x2 transposed conv to the classes.
_base_ = './essnet-d_ups_1xb6-75k_cityscapes-512x1024.py'
model = dict(
    decode_head=dict(
        stage_channels=(16, ), upsample_type='deconv', upsample_scales=4))
