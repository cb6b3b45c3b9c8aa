# ESSNet-enc-UPS (thesis Table 4.1, "proposed"): ESSNetB-D with its 3x3
# deconv upsamplers replaced by 1x1 upsampling blocks (mmseg's InterpConv:
# bilinear x2, 1x1 conv, BN, ReLU); the decoder keeps its non-bt-1D blocks.
_base_ = './essnetb-d_deconv_1xb6-75k_cityscapes-512x1024.py'
model = dict(
    decode_head=dict(
        upsample_cfg=dict(
            _delete_=True,
            type='InterpConv',
            upsample_cfg=dict(
                scale_factor=2, mode='bilinear', align_corners=False))))
