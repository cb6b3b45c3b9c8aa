# EfficientSeg (6.0): width 6.0 (209.6M parameters), the authors' best
# model; paper: 58.1 mIoU on the Minicity test set.
_base_ = ['./efficientseg-w1.5_1xb4-28.5k_minicity-384x768.py']
width = 6.0
model = dict(backbone=dict(width=width), decode_head=dict(width=width))
