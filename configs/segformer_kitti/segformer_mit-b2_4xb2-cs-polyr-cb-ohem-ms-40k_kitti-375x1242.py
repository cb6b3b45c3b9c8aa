# Report step 5, "+MS" (multi-scale training/testing): random rescaling by
# 0.5-2.0 in training; test with tools/test.py --tta (6 scales x flip,
# tta_pipeline of configs/_base_/datasets/kitti_semantics.py).
_base_ = ['./segformer_mit-b2_4xb2-cs-polyr-cb-ohem-40k_kitti-375x1242.py']
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_ms}}))
