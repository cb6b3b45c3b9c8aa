# Report Table 1 "SegFormer B5": the full recipe on MiT-B5 from mmseg's
# Cityscapes-trained SegFormer-B5.
_base_ = [
    './segformer_mit-b2_4xb2-cs-polyr-cb-ohem-ms-aux-40k_kitti-375x1242.py'  # noqa: E501
]
model = dict(backbone=dict(embed_dims=64, num_layers=[3, 6, 40, 3]))
load_from = 'https://download.openmmlab.com/mmsegmentation/v0.5/segformer/segformer_mit-b5_8x1_1024x1024_160k_cityscapes/segformer_mit-b5_8x1_1024x1024_160k_cityscapes_20211206_072934-87a052ec.pth'  # noqa
