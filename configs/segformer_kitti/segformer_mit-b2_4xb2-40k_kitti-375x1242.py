# Report §3.3 ablation, step 0 (Table 1's "SegFormer B2*"): mmseg's
# SegFormer-B2 with an ImageNet-pretrained MiT-B2 encoder, mmseg's
# SegFormer schedule, plain CE.
_base_ = [
    'mmseg::_base_/models/segformer_mit-b0.py',
    '../_base_/datasets/kitti_semantics.py', '../_base_/default_runtime.py',
    '../_base_/schedules/segformer_adamw-40k.py'
]
crop_size = (375, 1242)
checkpoint = 'https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/segformer/mit_b2_20220624-66e8bf70.pth'  # noqa
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint),
        embed_dims=64,
        num_layers=[3, 4, 6, 3]),
    decode_head=dict(in_channels=[64, 128, 320, 512]))
