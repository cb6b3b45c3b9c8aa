# Stage 2 of the authors' protocol for ShuffleNet V2 + dpc head (OS 16):
# Cityscapes coarse (_base_/cityscapes-coarse_769x769.py, 60k steps) starting
# from every weight of the COCO stage but its 10-class classifier (a
# different shape: left at its initialisation, as DeepLab re-initialises the
# last layer). Without COCO: --cfg-options load_from=None starts from the
# ImageNet backbone instead. Its iter_60000.pth is the load_from of
# dpc_shufflenetv2-1x-os16_coco-coarse-pre_1xb16-120k_cityscapes-769x769.py.
_base_ = [
    '../_base_/models/shufflenetv2-os16_dpc.py',
    './_base_/cityscapes-coarse_769x769.py'
]
model = dict(data_preprocessor=dict(size={{_base_.crop_size}}))
load_from = ('work_dirs/dpc_shufflenetv2-1x-os16_1xb16-60k_'
             'coco-subset-769x769/iter_60000.pth')
