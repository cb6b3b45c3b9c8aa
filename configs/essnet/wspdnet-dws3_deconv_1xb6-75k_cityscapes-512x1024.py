# WSPD-Net with 3 DWS-Dil blocks: Table 4.2 numbers them rows 9-11 and the
# text's "18 layers" / "five fewer encoder layers" than ERFNet imply 3.
_base_ = './wspdnet-dws2_deconv_1xb6-75k_cityscapes-512x1024.py'
model = dict(
    backbone=dict(
        num_dws_dil=3,
        init_cfg=dict(
            checkpoint='work_dirs/wspdnet-dws3_p1-enc_1xb6-50k_'
            'cityscapes-512x1024/iter_50000.pth')))
