# One-phase variant of essnetb-d_deconv_1xb6-75k_cityscapes-512x1024.py: the
# same model and recipe trained end to end from scratch (no phase-1 encoder).
_base_ = './essnetb-d_deconv_1xb6-75k_cityscapes-512x1024.py'
model = dict(backbone=dict(init_cfg=None))
