# Report step 1, "+transfer": start from mmseg's Cityscapes-trained
# SegFormer-B2 (encoder and decoder, 19 classes) instead of ImageNet.
_base_ = ['./segformer_mit-b2_4xb2-40k_kitti-375x1242.py']
model = dict(backbone=dict(init_cfg=None))
load_from = 'https://download.openmmlab.com/mmsegmentation/v0.5/segformer/segformer_mit-b2_8x1_1024x1024_160k_cityscapes/segformer_mit-b2_8x1_1024x1024_160k_cityscapes_20211207_134205-6096669a.pth'  # noqa
