# Report step 3, "+CB loss": class-balanced cross entropy (Cui et al. 2019,
# effective number of samples). Write the weights of your training split
# first (mmseg's CrossEntropyLoss reads the .npy when the model is built):
#   python tools/analysis_tools/class_stats.py \
#       configs/segformer_kitti/\
#       segformer_mit-b2_4xb2-cs-polyr-cb-40k_kitti-375x1242.py \
#       --weights-out data/kitti_semantics/class_weight_cb.npy \
#       --method effective --beta 0.999999
_base_ = ['./segformer_mit-b2_4xb2-cs-polyr-40k_kitti-375x1242.py']
class_weight = 'data/kitti_semantics/class_weight_cb.npy'
model = dict(
    decode_head=dict(
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=1.0,
            class_weight=class_weight)))
