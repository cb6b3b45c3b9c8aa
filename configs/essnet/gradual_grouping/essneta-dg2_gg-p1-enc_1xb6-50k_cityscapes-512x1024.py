# Gradual grouping, phase 1: the ESSNetA-DG2 encoder trained alone on 1/8
# labels while alpha goes 1 -> 0 (dense "-D" -> 2 groups). Its last checkpoint
# is loaded by essneta-dg2_gg-p2_deconv.
_base_ = './_base_/essneta_gg-p1.py'
model = dict(backbone=dict(variant='DG2'))
