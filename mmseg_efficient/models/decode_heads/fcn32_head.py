# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The FCN32 head of NDNet (the authors' ``DensePrediction``)."""
from mmcv.cnn import DepthwiseSeparableConvModule
from mmseg.models.decode_heads.fcn_head import FCNHead
from mmseg.registry import MODELS


@MODELS.register_module()
class FCN32Head(FCNHead):
    """FCN head with the separable conv of NDNet's code.

    ``num_convs`` separable 3x3 convs (depthwise without norm or activation,
    then 1x1 -> norm -> act, no biases) and the 1x1 classifier (with bias).
    The segmentor resizes the logits bilinearly to the input (x32 on an
    output-stride-32 backbone), as the authors' ``DensePrediction`` does
    with ``scale_factor`` (set ``align_corners=True`` to match it exactly).

    mmseg's ``DepthwiseSeparableFCNHead`` (Fast-SCNN) is the same design
    but always puts ``norm_cfg`` on the depthwise conv (2 extra parameters
    per input channel) and ignores ``conv_cfg`` / ``dilation``; this head
    makes the depthwise norm and activation configurable and defaults to
    the authors' (none), so the parameter counts match their code.

    Args:
        num_convs (int): Separable convs before the classifier. Default: 1.
        concat_input (bool): Concatenate the input and the convs' output
            before the classifier (FCNHead's ``conv_cat``, separable here).
            Default: False.
        dilation (int): Dilation of the depthwise convs. Default: 1.
        dw_norm_cfg (dict | None): Norm of the depthwise convs.
            Default: None.
        dw_act_cfg (dict | None): Activation of the depthwise convs.
            Default: None.
        dropout_ratio (float): Dropout before the classifier. Default: 0.
        init_cfg (dict or list[dict]): Initialization config dict.
            Default: Kaiming normal (fan_in, ReLU) for every conv and
            ones/zeros for norms, as the authors' ``init_model``.
        **kwargs: The rest of :class:`BaseDecodeHead`'s arguments
            (``in_channels``, ``channels``, ``num_classes``, ``in_index``,
            ``norm_cfg``, ``align_corners``, ``loss_decode``...).
    """

    def __init__(self,
                 num_convs=1,
                 concat_input=False,
                 dilation=1,
                 dw_norm_cfg=None,
                 dw_act_cfg=None,
                 dropout_ratio=0.,
                 init_cfg=[
                     dict(
                         type='Kaiming',
                         layer='Conv2d',
                         mode='fan_in',
                         nonlinearity='relu'),
                     dict(
                         type='Constant',
                         val=1,
                         layer=['_BatchNorm', 'GroupNorm'])
                 ],
                 **kwargs):
        super().__init__(
            num_convs=num_convs,
            concat_input=concat_input,
            dilation=dilation,
            dropout_ratio=dropout_ratio,
            init_cfg=init_cfg,
            **kwargs)

        def sep_conv(in_channels, conv_dilation):
            return DepthwiseSeparableConvModule(
                in_channels,
                self.channels,
                self.kernel_size,
                padding=self.kernel_size // 2 * conv_dilation,
                dilation=conv_dilation,
                conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg,
                dw_norm_cfg=dw_norm_cfg,
                dw_act_cfg=dw_act_cfg,
                bias=False)

        # Replace FCNHead's dense convs, as DepthwiseSeparableFCNHead does.
        for i in range(num_convs):
            self.convs[i] = sep_conv(self.in_channels if i == 0 else
                                     self.channels, dilation)
        if self.concat_input:
            self.conv_cat = sep_conv(self.in_channels + self.channels, 1)
