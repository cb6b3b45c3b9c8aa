# ESSNet-D fine-tuned on Cityscapes fine after the coarse pre-training stage:
# essnet-d_ups_1xb6-75k_cityscapes-512x1024.py with every weight (encoder and
# decoder) loaded from the last checkpoint of
# essnet-d_ups_1xb6-75k_cityscapes-coarse-512x1024.py (load_from; the
# phase-1 encoder is already in it, so the backbone's init_cfg is dropped).
_base_ = './essnet-d_ups_1xb6-75k_cityscapes-512x1024.py'
model = dict(backbone=dict(init_cfg=None))
load_from = ('work_dirs/essnet-d_ups_1xb6-75k_cityscapes-coarse-512x1024/'
             'iter_75000.pth')
