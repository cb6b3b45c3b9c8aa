# ESSNet-DG4 (thesis Table 3.5): ESSNet with grouped (groups=4) 1x1
# convs in the encoder; the decoder's D layers stay dense. The thesis
# trains it with gradual grouping (configs/essnet/gradual_grouping); this
# config trains the grouped model directly.
_base_ = './essnet-d_ups_1xb6-75k_cityscapes-512x1024.py'
model = dict(
    backbone=dict(
        variant='DG4',
        init_cfg=dict(
            checkpoint='work_dirs/essnetb-dg4_p1-enc_1xb6-50k_'
            'cityscapes-512x1024/iter_50000.pth')))
