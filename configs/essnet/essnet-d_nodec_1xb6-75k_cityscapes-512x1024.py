# ESSNet-nodec (thesis Table 4.1): no decoder, a 1x1 classifier on the
# encoder output; its 1/8 logits are interpolated bilinearly (x8) by the
# segmentor, to the labels for the loss and to the image for prediction.
_base_ = './essnet-d_ups_1xb6-75k_cityscapes-512x1024.py'
model = dict(decode_head=dict(stage_channels=(), out_cfg=None))
