# ESSNetB-DG8 with pyramid pooling (thesis §4.2).
_base_ = './essnetb-dg2_ppm_1xb6-75k_cityscapes-512x1024.py'
model = dict(
    backbone=dict(
        variant='DG8',
        init_cfg=dict(
            checkpoint='work_dirs/essnetb-dg8_p1-enc_1xb6-50k_'
            'cityscapes-512x1024/iter_50000.pth')))
