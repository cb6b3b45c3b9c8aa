# Gradual grouping, phase 1: the ESSNetB-DG8 encoder trained alone on 1/8
# labels while alpha goes 1 -> 0 (dense "-D" -> 8 groups). Its last checkpoint
# is loaded by essnetb-dg8_gg-p2_deconv.
_base_ = './_base_/essnetb_gg-p1.py'
model = dict(backbone=dict(variant='DG8'))
