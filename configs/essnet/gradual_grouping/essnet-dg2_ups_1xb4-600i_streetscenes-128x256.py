# Street-scene comparison, (a): ESSNet-DG2 trained grouped from scratch for
# 600 iterations, the budget of (b) = phase 1 (300) + phase 2 (300):
#   essnet-dg2_gg-p1-enc_1xb4-300i_streetscenes-128x256.py
#   essnet-dg2_gg-p2_ups_1xb4-300i_streetscenes-128x256.py
# Same data, optimizer, schedule, class weights and seed.
_base_ = ['../../_base_/models/essnet_ups.py', './_base_/street_gg_demo.py']
model = dict(
    data_preprocessor=dict(size={{_base_.crop_size}}),
    backbone=dict(variant='DG2'),
    decode_head=dict(
        loss_decode=dict(class_weight={{_base_.street_enet_class_weight}})))
train_cfg = dict(max_iters=600)
