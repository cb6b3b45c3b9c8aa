# ShuffleNet V2 + DPC head at output stride 8: stage 3 and stage 4 keep
# stride 1 (depthwise dilations 2 and 4) and the cell's rates are doubled.
_base_ = ['./dpc_shufflenetv2-1x-os16_1xb16-120k_cityscapes-769x769.py']
model = dict(
    backbone=dict(output_stride=8), decode_head=dict(rate_multiplier=2))
