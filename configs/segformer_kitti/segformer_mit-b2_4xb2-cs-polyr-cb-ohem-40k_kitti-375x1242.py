# Report step 4, "+OHEM": only pixels whose true-class probability is
# below 0.5 are trained, at least 10000 per batch.
_base_ = ['./segformer_mit-b2_4xb2-cs-polyr-cb-40k_kitti-375x1242.py']
model = dict(
    decode_head=dict(
        sampler=dict(type='OHEMPixelSampler', thresh=0.5, min_kept=10000)))
