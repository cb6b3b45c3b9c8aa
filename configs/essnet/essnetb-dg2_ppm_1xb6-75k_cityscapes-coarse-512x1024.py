# Pre-training stage on Cityscapes coarse for ESSNetB-DG2 with pyramid
# pooling, the model the thesis adds the 20K coarse images to (§4.2: "+1.2%"):
# essnetb-dg2_ppm_1xb6-75k_cityscapes-512x1024.py (encoder from its phase 1)
# trained end to end on train_extra / gtCoarse with the same recipe (75k
# iterations, validated on gtFine val). Its last checkpoint, iter_75000.pth,
# is the load_from of
# essnetb-dg2_ppm_coarse-pre_1xb6-75k_cityscapes-512x1024.py.
_base_ = [
    './essnetb-dg2_ppm_1xb6-75k_cityscapes-512x1024.py',
    '../_base_/datasets/cityscapes_coarse.py'
]
train_dataloader = dict(dataset={{_base_.cityscapes_coarse_train}})
