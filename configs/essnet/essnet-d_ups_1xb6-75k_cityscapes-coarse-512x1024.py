# Pre-training stage on Cityscapes coarse (README, "Pre-training on
# Cityscapes coarse"): ESSNet-D of essnet-d_ups_1xb6-75k_cityscapes-512x1024.py
# with its encoder from phase 1 (essnetb-d_p1-enc_*, as in phase 2), trained
# end to end on the 19,998 train_extra images with gtCoarse labels with the
# same recipe (ENet class weights, the thesis' data pipeline, Adam +
# ReduceOnPlateau on gtFine val mIoU, 75k iterations: ~22 epochs of
# train_extra at batch 6, as many samples as the fine stage). Its last
# checkpoint, iter_75000.pth, is the load_from of
# essnet-d_ups_coarse-pre_1xb6-75k_cityscapes-512x1024.py.
_base_ = [
    './essnet-d_ups_1xb6-75k_cityscapes-512x1024.py',
    '../_base_/datasets/cityscapes_coarse.py'
]
train_dataloader = dict(dataset={{_base_.cityscapes_coarse_train}})
