# Report Table 1 "SegFormer B0": the full recipe on MiT-B0 from mmseg's
# Cityscapes-trained SegFormer-B0.
_base_ = [
    './segformer_mit-b2_4xb2-cs-polyr-cb-ohem-ms-aux-40k_kitti-375x1242.py'  # noqa: E501
]
model = dict(
    backbone=dict(embed_dims=32, num_layers=[2, 2, 2, 2]),
    decode_head=dict(in_channels=[32, 64, 160, 256]),
    auxiliary_head=dict(in_channels=64, channels=64))
load_from = 'https://download.openmmlab.com/mmsegmentation/v0.5/segformer/segformer_mit-b0_8x1_1024x1024_160k_cityscapes/segformer_mit-b0_8x1_1024x1024_160k_cityscapes_20211208_101857-e7f88502.pth'  # noqa
