# Cityscapes coarse as the training split of a pre-training stage: the
# 19,998 train_extra images (leftImg8bit_trainextra.zip) with their coarse
# polygons (gtCoarse.zip), rasterised to <stem>_gtCoarse_labelTrainIds.png
# by cityscapesscripts as mmseg's converter does:
#   python tools/dataset_converters/cityscapes_coarse.py data/cityscapes
# (mmseg's tools/dataset_converters/cityscapes.py --gt-dir gtCoarse writes
# the same files, then stops on a missing gtCoarse/test; see
# configs/essnet/README.md, "Pre-training on Cityscapes coarse").
#
# Only the split: list this file as a sibling base of a Cityscapes config
# (it sets no key that a dataset base sets) and point the training set at it:
#   _base_ = ['./<fine config>.py',
#             '<...>/_base_/datasets/cityscapes_coarse.py']
#   train_dataloader = dict(dataset={{_base_.cityscapes_coarse_train}})
# Everything else (mmseg's CityscapesDataset, the family's training pipeline,
# validation and testing on gtFine val) stays that config's.
cityscapes_coarse_train = dict(
    type='CityscapesDataset',
    data_prefix=dict(
        img_path='leftImg8bit/train_extra',
        seg_map_path='gtCoarse/train_extra'),
    seg_map_suffix='_gtCoarse_labelTrainIds.png')
