# Stage 3 of the authors' protocol for ShuffleNet V2 + dpc head (OS 16):
# dpc_shufflenetv2-1x-os16_1xb16-120k_cityscapes-769x769.py (fine, 120k
# steps, lr 1e-3 with the 186-step slow start) starting from every weight of
# the Cityscapes-coarse stage (load_from), so not from ImageNet.
_base_ = './dpc_shufflenetv2-1x-os16_1xb16-120k_cityscapes-769x769.py'
model = dict(backbone=dict(init_cfg=None))
load_from = ('work_dirs/dpc_shufflenetv2-1x-os16_coco-pre_1xb16-60k_'
             'cityscapes-coarse-769x769/iter_60000.pth')
