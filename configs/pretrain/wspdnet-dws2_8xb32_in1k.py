# WSPD-Net's encoder with 2 DWS-Dil blocks (thesis Table 4.2) as an ImageNet
# classifier. Its checkpoint initialises the encoder of
# configs/essnet/wspdnet-dws2-in1k-pre_deconv_1xb6-75k_cityscapes-512x1024.py.
_base_ = ['./_base_/encoder-cls_8xb32_in1k.py']
model = dict(
    backbone=dict(
        type='mmseg.WSPDNet',
        num_non_bt_1d=(3, 2),
        kernel_sizes=(3, 5),
        num_dws_dil=2,
        out_indices=(2, )),
    head=dict(in_channels=128))
