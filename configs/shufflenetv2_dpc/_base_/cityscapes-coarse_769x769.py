# Stage 2 of the authors' protocol (ImageNet -> COCO subset -> Cityscapes
# coarse -> fine), shared by the basic and DPC configs: the 19,998
# train_extra images with gtCoarse labels (configs/_base_/datasets/
# cityscapes_coarse.py) through the fine stage's DeepLab pipeline (769x769
# crops, batch 16), validated on gtFine val, 60k steps of
# shufflenetv2_adam-60k.py. The leaves add the model base and load_from.
_base_ = [
    '../../_base_/datasets/cityscapes_769x769.py',
    '../../_base_/datasets/cityscapes_coarse.py',
    '../../_base_/default_runtime.py',
    '../../_base_/schedules/shufflenetv2_adam-60k.py'
]
crop_size = (769, 769)
train_dataloader = dict(
    batch_size=16, dataset={{_base_.cityscapes_coarse_train}})
