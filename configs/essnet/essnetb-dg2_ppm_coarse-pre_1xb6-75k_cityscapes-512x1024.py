# ESSNetB-DG2 with pyramid pooling fine-tuned on Cityscapes fine after the
# coarse pre-training stage (thesis §4.2): every weight loaded from the last
# checkpoint of essnetb-dg2_ppm_1xb6-75k_cityscapes-coarse-512x1024.py.
_base_ = './essnetb-dg2_ppm_1xb6-75k_cityscapes-512x1024.py'
model = dict(backbone=dict(init_cfg=None))
load_from = ('work_dirs/essnetb-dg2_ppm_1xb6-75k_cityscapes-coarse-512x1024/'
             'iter_75000.pth')
