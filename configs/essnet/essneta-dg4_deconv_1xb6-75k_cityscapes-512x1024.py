# ESSNetA-DG4 (thesis Table 3.4): layer DG4, i.e. layer D with
# grouped 1x1 convs (groups=4).
_base_ = './essneta-d_deconv_1xb6-75k_cityscapes-512x1024.py'
model = dict(
    backbone=dict(
        variant='DG4',
        init_cfg=dict(
            checkpoint='work_dirs/essneta-dg4_p1-enc_1xb6-50k_'
            'cityscapes-512x1024/iter_50000.pth')))
