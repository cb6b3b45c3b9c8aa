# ERFNet baseline of the ESSNet thesis (Table 3.2): ERFNet's encoder and
# decoder with its 2x2 transposed-conv output layer. mmseg's own ERFNet
# config (configs/erfnet/erfnet_fcn_4xb4-160k_cityscapes-512x1024.py) puts
# an FCN head on mmseg's ERFNet backbone instead.
_base_ = [
    './_base_/erfnet_deconv_cityscapes.py',
    '../_base_/schedules/essnet_adam-plateau-75k.py'
]
