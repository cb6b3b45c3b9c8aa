# Gradual grouping, phase 2 of ESSNet-DG4 (thesis Table 3.5): ESSNet's
# encoder is ESSNetB's, so it loads the last checkpoint of
# essnetb-dg4_gg-p1-enc_1xb6-50k_cityscapes-512x1024.py. Deploy config:
# ../essnet-dg4_ups_1xb6-75k_cityscapes-512x1024.py.
_base_ = './_base_/essnet_gg-p2.py'
model = dict(
    backbone=dict(
        variant='DG4',
        init_cfg=dict(
            checkpoint='work_dirs/essnetb-dg4_gg-p1-enc_1xb6-50k_cityscapes-'
            '512x1024/iter_50000.pth')))
