# ShuffleNet V2 + basic head at output stride 16 (the paper's setting),
# fine-tuned on Cityscapes fine: batch 16, 769x769 crops, 120k steps.
_base_ = [
    '../_base_/models/shufflenetv2-os16_basic.py',
    '../_base_/datasets/cityscapes_769x769.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/shufflenetv2_adam-120k.py'
]
crop_size = (769, 769)
model = dict(data_preprocessor=dict(size=crop_size))
train_dataloader = dict(batch_size=16)
