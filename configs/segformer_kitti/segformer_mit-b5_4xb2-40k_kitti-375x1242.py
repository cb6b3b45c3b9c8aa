# Report Table 1 "SegFormer B5*": ImageNet-pretrained MiT-B5, no tricks.
_base_ = ['./segformer_mit-b2_4xb2-40k_kitti-375x1242.py']
checkpoint = 'https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/segformer/mit_b5_20220624-658746d9.pth'  # noqa
model = dict(
    backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint),
        embed_dims=64,
        num_layers=[3, 6, 40, 3]),
    decode_head=dict(in_channels=[64, 128, 320, 512]))
