# The demo (make demo): ESSNet-D (thesis Table 3.5: ESSNetB-D's encoder and
# ESSNet's 1x1-upsampling decoder) trained for a few minutes on 2 CPU cores
# on the built-in street scenes (128x256 crops, batch 4, Adam + poly), with
# the street data's ENet class weights as in the thesis.
_base_ = [
    '../_base_/models/essnet_ups.py', '../_base_/datasets/street_scenes.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_demo.py'
]
crop_size = (128, 256)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(variant='D'),
    decode_head=dict(
        loss_decode=dict(class_weight={{_base_.street_enet_class_weight}})))
