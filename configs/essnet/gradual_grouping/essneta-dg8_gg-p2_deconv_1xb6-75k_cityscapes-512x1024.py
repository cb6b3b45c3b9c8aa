# Gradual grouping, phase 2 of ESSNetA-DG8: loads the last checkpoint of
# essneta-dg8_gg-p1-enc_1xb6-50k_cityscapes-512x1024.py. Deploy config:
# ../essneta-dg8_deconv_1xb6-75k_cityscapes-512x1024.py.
_base_ = './_base_/essneta_gg-p2.py'
model = dict(
    backbone=dict(
        variant='DG8',
        init_cfg=dict(
            checkpoint='work_dirs/essneta-dg8_gg-p1-enc_1xb6-50k_cityscapes-'
            '512x1024/iter_50000.pth')))
