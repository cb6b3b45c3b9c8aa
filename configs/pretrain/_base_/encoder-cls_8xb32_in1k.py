# An mmseg_efficient encoder as an ImageNet classifier (thesis §3.4.2: the
# encoder plus "additional pooling layers and a fully connected layer"):
# mmpretrain's ImageClassifier with global average pooling and a linear
# head, mmpretrain's ImageNet pipeline (RandomResizedCrop 224, flip; test:
# resize the short edge to 256, centre crop 224) and its SGD schedule for a
# total batch of 256 (lr 0.1, momentum 0.9, wd 1e-4, x0.1 at epochs 30, 60,
# 90 of 100). Leaves set model.backbone (type 'mmseg.<Encoder>', only the
# last stage in out_indices) and model.head.in_channels.
_base_ = [
    'mmpretrain::_base_/datasets/imagenet_bs32.py',
    'mmpretrain::_base_/schedules/imagenet_bs256.py',
    'mmpretrain::_base_/default_runtime.py'
]
# mmpretrain's registries build everything; the encoders are mmseg models
# (registered by mmseg_efficient), named across scopes as 'mmseg.<type>'.
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmseg_efficient'], allow_failed_imports=False)
model = dict(
    type='ImageClassifier',
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
