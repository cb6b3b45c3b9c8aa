# One-phase variant of wspdnet-dws2_deconv_1xb6-75k_cityscapes-512x1024.py: the
# same model and recipe trained end to end from scratch (no phase-1 encoder).
_base_ = './wspdnet-dws2_deconv_1xb6-75k_cityscapes-512x1024.py'
model = dict(backbone=dict(init_cfg=None))
