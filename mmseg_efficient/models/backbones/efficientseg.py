# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The encoder of EfficientSeg.

`EfficientSeg: An Efficient Semantic Segmentation Network
<https://arxiv.org/abs/2009.06469>`_ (Yesilkaynak et al., 2020); layer table
and width scaling from the authors' code (MrGranddy/EfficientSeg).
"""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch.nn.modules.batchnorm import _BatchNorm

from ..layers.efficientseg_blocks import (EFFICIENTSEG_INIT, build_bneck,
                                          efficientseg_specs, keep_init_cfg,
                                          skip_channels)
from ..utils import check_out_indices



@MODELS.register_module()
class EfficientSegEncoder(BaseModule):
    """EfficientSeg's encoder: a width-scaled MobileNetV3-Large and the
    two-layer 1x1 bottleneck.

    A 3x3 stride-2 stem (ConvModule, HSwish), the 15 bnecks of
    MobileNetV3-Large (mmseg's ``InvertedResidualV3``, channels scaled by
    ``width`` as in the authors' code, see
    :func:`~mmseg_efficient.models.layers.efficientseg_specs`)
    and two 1x1 ConvModules (HSwish) ``C -> expanded -> C`` on the 1/32
    output. Unlike mmseg's ``MobileNetV3`` backbone there is no dilation
    (the decoder upsamples instead) and every channel count follows
    ``width``.

    Outputs, for the U-Net decoder :class:`EfficientSegHead`: the inputs of
    the four stride-2 bnecks (1/2, 1/4, 1/8, 1/16; the skips) and the
    bottleneck output (1/32). At width 1.5: 24, 40, 64, 168 and 240
    channels; ``out_indices`` selects among these five.

    Differences from the authors' code, none of which changes the counts:
    mmseg's block applies the activation before SE (the authors' expanded
    blocks apply SE first) and pads stride-2 depthwise convs 'same'
    (``Conv2dAdaptivePadding``).

    Args:
        width (float): Width multiplier (the paper's "depth parameter"):
            1.5 and 6.0 in the paper. Default: 1.0.
        arch (str | Sequence): 'large' or a table of
            ``(kernel, t, channels, with_se, act, stride)`` rows.
            Default: 'large'.
        in_channels (int): Input image channels. Default: 3.
        out_indices (Sequence[int]): Outputs to return, among the skips
            (0-3 for 'large') and the bottleneck output (-1).
            Default: (0, 1, 2, 3, 4).
        conv_cfg (dict | None): Config of conv layers. Default: None.
        norm_cfg (dict): Config of norm layers. Default: dict(type='BN').
        act_cfg (dict): Activation of the stem and the bottleneck (the
            bnecks use the table's). Default: dict(type='HSwish').
        norm_eval (bool): Keep BN layers in eval mode while training.
            Default: False.
        with_cp (bool): Checkpoint the bnecks to save memory.
            Default: False.
        init_cfg (dict or list[dict], optional): Initialization config dict.
            Default: Kaiming-uniform (fan_in) convs and unit BN, as the
            authors.
    """

    def __init__(self,
                 width: float = 1.0,
                 arch: Union[str, Sequence] = 'large',
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (0, 1, 2, 3, 4),
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 act_cfg: dict = dict(type='HSwish'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 init_cfg=EFFICIENTSEG_INIT):
        super().__init__(init_cfg=init_cfg)
        self.width = width
        self.specs = efficientseg_specs(width, arch)
        self.skip_channels = skip_channels(self.specs)
        self.out_channels = self.skip_channels + [self.specs[-1].out_channels]
        self.out_indices = check_out_indices(out_indices,
                                             len(self.out_channels))
        self.norm_eval = norm_eval

        self.stem = ConvModule(
            in_channels,
            self.specs[0].in_channels,
            3,
            stride=2,
            padding=1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.layers = nn.ModuleList([
            build_bneck(
                s.in_channels,
                s.out_channels,
                s,
                s.stride,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                with_cp=with_cp) for s in self.specs
        ])
        last = self.specs[-1]
        self.bottleneck = nn.Sequential(
            ConvModule(
                last.out_channels,
                last.mid_channels,
                1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg),
            ConvModule(
                last.mid_channels,
                last.out_channels,
                1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg))

    def init_weights(self):
        """``init_cfg`` (the authors' Kaiming-uniform by default), not
        overwritten by mmcv's ``ConvModule.init_weights`` (see
        :func:`keep_init_cfg`)."""
        if self.init_cfg:
            keep_init_cfg(self)
        super().init_weights()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """The skips (inputs of the stride-2 bnecks) and the bottleneck
        output, selected by ``out_indices`` (a tuple, like the other
        backbones: mmpretrain's GlobalAveragePooling neck takes only
        tuples)."""
        x = self.stem(x)
        outs = []
        for spec, layer in zip(self.specs, self.layers):
            if spec.stride == 2:
                outs.append(x)
            x = layer(x)
        outs.append(self.bottleneck(x))
        return tuple(outs[i] for i in self.out_indices)

    def train(self, mode: bool = True):
        super().train(mode)
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
