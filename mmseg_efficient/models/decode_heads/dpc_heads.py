# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The two heads of ShuffleNet V2 + DPC: DeepLab's Dense Prediction Cell and
the "basic" DeepLabV3 head (image pooling + 1x1)."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmseg.models.decode_heads.aspp_head import ASPPHead
from mmseg.models.decode_heads.decode_head import BaseDecodeHead

from mmseg.registry import MODELS

# DeepLab's searched cell for Cityscapes
# (dense_prediction_cell_branch5_top1_cityscapes.json): the (h, w) rate of
# each branch's depthwise 3x3 conv at output stride 16, and its input (-1:
# the backbone features, i >= 0: branch i).
DPC_CITYSCAPES_RATES = ((1, 6), (18, 15), (6, 3), (1, 1), (6, 21))
DPC_CITYSCAPES_INPUTS = (-1, 0, 1, 0, 0)


@MODELS.register_module()
class BasicASPPHead(ASPPHead):
    """DeepLabV3's "basic" head: ASPP without atrous branches.

    The lightweight head DeepLab uses on MobileNet features and `ShuffleNet
    V2 + DPC <https://arxiv.org/abs/1902.07476>`_ calls basic: image pooling
    (global average pool, 1x1 conv, upsampling) and a 1x1 conv branch,
    concatenated and projected by a **1x1** conv, then dropout and the
    classifier. It is mmseg's :class:`ASPPHead` with ``dilations=(1, )`` and
    a 1x1 instead of a 3x3 bottleneck.

    Args:
        dilations (tuple[int]): ASPP rates; 1 is the 1x1 branch, others add
            3x3 atrous branches. Default: (1, ).
        bottleneck_kernel_size (int): Kernel of the projection after the
            concatenation (mmseg's ASPPHead: 3). Default: 1.
        **kwargs: :class:`BaseDecodeHead` arguments.
    """

    def __init__(self,
                 dilations: Sequence[int] = (1, ),
                 bottleneck_kernel_size: int = 1,
                 **kwargs):
        super().__init__(dilations=dilations, **kwargs)
        if bottleneck_kernel_size % 2 != 1:
            raise ValueError('bottleneck_kernel_size must be odd, got '
                             f'{bottleneck_kernel_size}')
        self.bottleneck = ConvModule(
            (len(dilations) + 1) * self.channels,
            self.channels,
            bottleneck_kernel_size,
            padding=bottleneck_kernel_size // 2,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)


@MODELS.register_module()
class DPCHead(BaseDecodeHead):
    """Dense Prediction Cell head.

    `Searching for Efficient Multi-Scale Architectures for Dense Image
    Prediction <https://arxiv.org/abs/1809.04184>`_, as used by `ShuffleNet
    V2 + DPC <https://arxiv.org/abs/1902.07476>`_.

    Each branch is a depthwise separable conv (depthwise 3x3 at an (h, w)
    rate + norm + act, pointwise 1x1 to ``channels`` + norm + act) fed by
    the backbone features or an earlier branch. The branches are
    concatenated, dropped out (DeepLab drops the concatenation, not the
    projection) and projected by a 1x1 conv to ``channels``; the classifier
    follows directly.

    Args:
        dpc_rates (Sequence[tuple[int, int]]): (h, w) rate of each branch at
            ``rate_multiplier=1``. Default: DeepLab's Cityscapes cell
            ``((1, 6), (18, 15), (6, 3), (1, 1), (6, 21))``.
        dpc_inputs (Sequence[int]): Input of each branch: -1 for the
            backbone features, ``i`` for branch ``i < j``.
            Default: ``(-1, 0, 1, 0, 0)``.
        rate_multiplier (int): Multiplies every rate: 1 at output stride
            16, 2 at output stride 8. Default: 1.
        **kwargs: :class:`BaseDecodeHead` arguments; ``dropout_ratio``
            applies to the concatenation.
    """

    def __init__(self,
                 dpc_rates: Sequence[Tuple[int, int]] = DPC_CITYSCAPES_RATES,
                 dpc_inputs: Sequence[int] = DPC_CITYSCAPES_INPUTS,
                 rate_multiplier: int = 1,
                 **kwargs):
        super().__init__(**kwargs)
        if len(dpc_rates) != len(dpc_inputs) or not dpc_rates:
            raise ValueError(
                f'dpc_rates ({len(dpc_rates)}) and dpc_inputs '
                f'({len(dpc_inputs)}) need one entry per branch')
        for j, src in enumerate(dpc_inputs):
            if not -1 <= src < j:
                raise ValueError(
                    f'dpc_inputs[{j}]={src}: a branch takes -1 (the '
                    f'backbone) or an earlier branch (0..{j - 1})')
        if not isinstance(rate_multiplier, int) or rate_multiplier < 1:
            raise ValueError(
                f'rate_multiplier must be an int >= 1, got {rate_multiplier}')
        self.dpc_inputs = tuple(dpc_inputs)
        self.dpc_rates = tuple(
            tuple(r * rate_multiplier for r in rate) for rate in dpc_rates)
        self.branches = nn.ModuleList(
            DepthwiseSeparableConvModule(
                self.in_channels if src == -1 else self.channels,
                self.channels,
                3,
                padding=rate,
                dilation=rate,
                conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg)
            for rate, src in zip(self.dpc_rates, self.dpc_inputs))
        self.bottleneck = ConvModule(
            len(self.branches) * self.channels,
            self.channels,
            1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        # DeepLab's cell drops the concatenated features, not the projected
        # ones: move BaseDecodeHead's dropout in front of the bottleneck.
        self.concat_dropout, self.dropout = self.dropout, None

    def _forward_feature(self, inputs) -> torch.Tensor:
        """The cell's projected features (before the classifier)."""
        x = self._transform_inputs(inputs)
        outs = []
        for branch, src in zip(self.branches, self.dpc_inputs):
            outs.append(branch(x if src == -1 else outs[src]))
        feats = torch.cat(outs, dim=1)
        if self.concat_dropout is not None:
            feats = self.concat_dropout(feats)
        return self.bottleneck(feats)

    def forward(self, inputs) -> torch.Tensor:
        """Logits at the feature resolution."""
        return self.cls_seg(self._forward_feature(inputs))
