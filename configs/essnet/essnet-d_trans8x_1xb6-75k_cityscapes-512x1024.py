# ESSNet-trans8x (thesis Table 4.1): a single 3x3 transposed conv with
# stride 8 from the encoder output to the classes (its 3x3 kernel leaves
# gaps in each 8x8 cell, the "blank spaces" the thesis blames).
_base_ = './essnet-d_ups_1xb6-75k_cityscapes-512x1024.py'
model = dict(
    decode_head=dict(stage_channels=(), out_scale=8, out_kernel_size=3))
