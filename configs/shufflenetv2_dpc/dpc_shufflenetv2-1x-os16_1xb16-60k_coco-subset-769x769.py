# Stage 1 of the authors' protocol for ShuffleNet V2 + dpc head (OS 16):
# the ImageNet backbone trained end to end on the COCO subset (9 Cityscapes
# classes + background, _base_/coco-subset_769x769.py) for 60k steps. Its
# iter_60000.pth is the load_from of
# dpc_shufflenetv2-1x-os16_coco-pre_1xb16-60k_cityscapes-coarse-769x769.py.
_base_ = [
    '../_base_/models/shufflenetv2-os16_dpc.py',
    './_base_/coco-subset_769x769.py'
]
model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    decode_head=dict(num_classes={{_base_.num_classes}}))
