# ESSNetB-DG4S (thesis Table 3.2): layer DG4S, i.e. layer D with
# grouped 1x1 convs (groups=4) each followed by a channel shuffle.
_base_ = './essnetb-d_deconv_1xb6-75k_cityscapes-512x1024.py'
model = dict(
    backbone=dict(
        variant='DG4S',
        init_cfg=dict(
            checkpoint='work_dirs/essnetb-dg4s_p1-enc_1xb6-50k_'
            'cityscapes-512x1024/iter_50000.pth')))
