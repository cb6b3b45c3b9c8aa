# Gradual grouping, phase 1: the ESSNetB-DG2 encoder trained alone on 1/8
# labels while alpha goes 1 -> 0 (dense "-D" -> 2 groups). Then train phase 2
# (essnetb-dg2_gg-p2_*.py), which loads this run's last checkpoint.
_base_ = './_base_/essnetb-enc_gg-p1.py'
model = dict(backbone=dict(variant='DG2'))
