# ESSNet (thesis §3.5.2, Fig. 3.9): ESSNetB's encoder and a decoder of
# "1x1 upsampling" blocks (bilinear x2, 1x1 conv, BN, ReLU) 128->64 and
# 64->16, each followed by two D layers, then a 2x2 deconv to the classes.
_base_ = ['./essnetb_deconv.py']
model = dict(
    decode_head=dict(
        type='ESSNetHead',
        # mmseg's InterpConv: bilinear x2, then a 1x1 ConvModule (BN, ReLU).
        upsample_cfg=dict(
            _delete_=True,
            type='InterpConv',
            upsample_cfg=dict(
                scale_factor=2, mode='bilinear', align_corners=False)),
        block_cfg=dict(_delete_=True, type='ESSNetBlock', variant='D')))
