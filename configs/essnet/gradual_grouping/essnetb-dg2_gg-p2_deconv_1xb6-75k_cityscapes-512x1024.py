# Gradual grouping, phase 2 of ESSNetB-DG2: loads the last checkpoint of
# essnetb-dg2_gg-p1-enc_1xb6-50k_cityscapes-512x1024.py. Deploy config:
# ../essnetb-dg2_deconv_1xb6-75k_cityscapes-512x1024.py.
_base_ = './_base_/essnetb_gg-p2.py'
model = dict(
    backbone=dict(
        variant='DG2',
        init_cfg=dict(
            checkpoint='work_dirs/essnetb-dg2_gg-p1-enc_1xb6-50k_cityscapes-'
            '512x1024/iter_50000.pth')))
