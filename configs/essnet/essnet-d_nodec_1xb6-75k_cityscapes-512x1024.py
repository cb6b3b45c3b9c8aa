# ESSNet-nodec (thesis Table 4.1): no decoder, a 1x1 classifier on the
# encoder output and bilinear upsampling x8.
_base_ = './essnet-d_ups_1xb6-75k_cityscapes-512x1024.py'
model = dict(
    decode_head=dict(stage_channels=(), out_upsample='bilinear', out_scale=8))
