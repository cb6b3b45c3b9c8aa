# ESSNet-trans8x (thesis Table 4.1): a single transposed conv with stride 8
# from the encoder output to the classes. The kernel is 8x8 (= the stride,
# as ERFNet's 2x2 stride-2 output layer): the thesis' 3x3 kernel reached only
# 9 of every 64 output pixels, the other 86 % were the bias alone.
_base_ = './essnet-d_ups_1xb6-75k_cityscapes-512x1024.py'
model = dict(
    decode_head=dict(
        stage_channels=(), out_cfg=dict(type='deconv', kernel_size=8,
                                        stride=8)))
