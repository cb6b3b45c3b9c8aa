# ESSNetA-DG8S (thesis Table 3.4): layer DG8S, i.e. layer D with
# grouped 1x1 convs (groups=8) each followed by a channel shuffle.
_base_ = './essneta-d_deconv_1xb6-75k_cityscapes-512x1024.py'
model = dict(
    backbone=dict(
        variant='DG8S',
        init_cfg=dict(
            checkpoint='work_dirs/essneta-dg8s_p1-enc_1xb6-50k_'
            'cityscapes-512x1024/iter_50000.pth')))
