# Shared pieces of the ESSNet gradual-grouping recipe (thesis §3.4.1 and
# §3.5.1), used as {{_base_.<name>}} by the phase-1 and phase-2 configs.

# ENet class weights w_c = 1 / ln(1.10 + p_c) for the 19 Cityscapes classes
# (thesis eq. 3.8, gamma = 1.10), as published with ERFNet (train/main.py of
# the official code; p_c there counts ERFNet's 20 classes, void included).
# For another dataset: tools/analysis_tools/class_stats.py CONFIG --c 1.10
enet_class_weight = [
    2.8149, 6.9850, 3.7890, 9.9428, 9.7702, 9.5111, 10.3114, 10.0265, 4.6323,
    9.5608, 7.8698, 9.5169, 10.3737, 6.6616, 10.2605, 10.2879, 10.2898,
    10.4054, 10.1381
]
# ReduceLROnPlateau, factor 0.5, on the val mIoU (mmengine's
# ReduceOnPlateauParamScheduler; it is stepped after every validation, so
# ``patience`` counts validations: 3 x 2500 iterations = ~15 epochs of
# Cityscapes at batch 6 without improvement halve the lr).
gg_val_interval = 2500
plateau_scheduler = [
    dict(
        type='ReduceOnPlateauLR',
        monitor='mIoU',
        rule='greater',
        factor=0.5,
        patience=3,
        by_epoch=True)
]
