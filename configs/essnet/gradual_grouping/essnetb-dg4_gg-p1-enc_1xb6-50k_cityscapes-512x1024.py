# Gradual grouping, phase 1: the ESSNetB-DG4 encoder trained alone on 1/8
# labels while alpha goes 1 -> 0 (dense "-D" -> 4 groups). Its last checkpoint
# is loaded by essnetb-dg4_gg-p2_deconv and essnet-dg4_gg-p2_ups.
_base_ = './_base_/essnetb_gg-p1.py'
model = dict(backbone=dict(variant='DG4'))
