# Report step 6, "+aux" (the full recipe, Table 1 "SegFormer B2"): an FCN
# auxiliary head on the encoder's second stage, loss weight 0.4.
_base_ = ['./segformer_mit-b2_4xb2-cs-polyr-cb-ohem-ms-40k_kitti-375x1242.py']
model = dict(
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=128,
        in_index=1,
        channels=128,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=0.4,
            class_weight={{_base_.class_weight}})))
