# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""NDNet: narrow deep networks (Z. Yang, H. Yu et al., "Real time backbone
for semantic segmentation"), rebuilt after the authors' code
(zgyang-hnu/NDNet ``backbone/ndnet.py``)."""
from typing import Optional, Sequence

import torch.nn as nn
from mmcv.cnn import (ConvModule, DepthwiseSeparableConvModule,
                      build_activation_layer)
from mmengine.model import BaseModule, Sequential
from mmseg.registry import MODELS

from ..utils import check_out_indices


def _sep_conv(in_channels: int,
              out_channels: int,
              stride: int = 1,
              dilation: int = 1,
              conv_cfg: Optional[dict] = None,
              norm_cfg: Optional[dict] = dict(type='BN'),
              act_cfg: Optional[dict] = dict(type='ReLU')):
    """The authors' ``SepConvBR``: depthwise 3x3 (no norm, no activation),
    1x1, norm, activation; no biases."""
    return DepthwiseSeparableConvModule(
        in_channels,
        out_channels,
        3,
        stride=stride,
        padding=dilation,
        dilation=dilation,
        conv_cfg=conv_cfg,
        norm_cfg=norm_cfg,
        act_cfg=act_cfg,
        dw_norm_cfg=None,
        dw_act_cfg=None,
        bias=False)


class NarrowBottleneck(BaseModule):
    """Narrow residual layer of NDNet (paper Fig. 3(b)).

    Two separable convolutions whose 1x1 convs reduce the width to
    ``mid_channels`` and restore it to ``expansion * mid_channels``:
    sep-conv (stride, dilation) -> norm -> act -> sep-conv -> norm, plus the
    shortcut, then the activation. The depthwise convs carry no norm.

    Args:
        in_channels (int): Input channels.
        mid_channels (int): Width of the middle layer (``n_md``).
        expansion (int): Output channels are ``expansion * mid_channels``.
            Default: 4.
        stride (int): Stride of the first depthwise conv. Default: 1.
        dilation (int): Dilation of both depthwise convs. Default: 1.
        projection (bool): Use a separable projection (sep-conv with the
            layer's stride and dilation, then norm) as the shortcut instead
            of the identity. Default: False.
        conv_cfg (dict | None): Config of conv layers. Default: None.
        norm_cfg (dict): Config of norm layers. Default: dict(type='BN').
        act_cfg (dict): Config of activation layers.
            Default: dict(type='ReLU').
        init_cfg (dict or list[dict], optional): Initialization config dict.
            Default: None.
    """

    def __init__(self,
                 in_channels: int,
                 mid_channels: int,
                 expansion: int = 4,
                 stride: int = 1,
                 dilation: int = 1,
                 projection: bool = False,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        out_channels = mid_channels * expansion
        if not projection and (stride != 1 or in_channels != out_channels):
            raise ValueError(
                'NarrowBottleneck needs projection=True when stride != 1 or '
                f'in_channels ({in_channels}) != expansion * mid_channels '
                f'({out_channels}); got stride={stride}')
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.conv1 = _sep_conv(in_channels, mid_channels, stride, dilation,
                               act_cfg=act_cfg, **common)
        self.conv2 = _sep_conv(mid_channels, out_channels, 1, dilation,
                               act_cfg=None, **common)
        if projection:
            self.shortcut = _sep_conv(in_channels, out_channels, stride,
                                      dilation, act_cfg=None, **common)
        else:
            self.shortcut = nn.Identity()
        self.act = build_activation_layer(
            act_cfg) if act_cfg else nn.Identity()

    def forward(self, x):
        """Forward function."""
        return self.act(self.conv2(self.conv1(x)) + self.shortcut(x))


@MODELS.register_module()
class NDNet(BaseModule):
    """NDNet backbone, after `Real time backbone for semantic segmentation
    <https://github.com/zgyang-hnu/NDNet>`_ (paper Table I).

    conv1 3x3 s2 (``stem_channels``) + norm + act, max pool 3x3 s2, then
    three blocks of :class:`NarrowBottleneck` layers. The first layer of
    each block carries the block's stride and a separable projection
    shortcut; the others are identity-shortcut layers.

    ========  ======================  =====================
    depth     mid_channels (n_md)     num_layers (d)
    ========  ======================  =====================
    29        (24, 48, 96)            (3, 8, 3)
    45        (16, 32, 64)            (4, 12, 6)
    61        (12, 24, 48)            (6, 16, 8)
    ========  ======================  =====================

    The depth counts conv1 and every separable conv of the residual
    branches: ``depth = 1 + 2 * sum(num_layers)``. Output strides as in the
    authors' code: 32 (block strides 2, 2, 2), 16 (strides 2, 2, 1 with
    dilation 2 in the last block) and 8 (strides 2, 1, 1, dilations 1, 2,
    4). Unlike mmseg's ``ResLayer`` (``contract_dilation``), the first layer
    of a dilated block uses the block's full dilation, as the code does.

    Args:
        depth (int | None): 29, 45 or 61: picks the default
            ``mid_channels`` and ``num_layers``. None needs both lists.
            Default: 45.
        in_channels (int): Input image channels. Default: 3.
        stem_channels (int): Output channels of conv1. Default: 8.
        mid_channels (Sequence[int] | None): ``n_md`` of the three blocks;
            overrides the depth's default (e.g. the paper's "wider NDNet29",
            (64, 128, 256)). Default: None.
        num_layers (Sequence[int] | None): Residual layers per block;
            overrides the depth's default and must then agree with
            ``depth`` (if given). Default: None.
        expansion (int): ``e``: output channels of a layer are
            ``e * n_md`` (the paper uses 4, and 2 for its narrower
            variants). Default: 4.
        out_stride (int): 8, 16 or 32. Default: 32.
        out_indices (Sequence[int]): Blocks whose outputs are returned.
            Default: (0, 1, 2).
        conv_cfg (dict | None): Config of conv layers. Default: None.
        norm_cfg (dict): Config of norm layers.
            Default: dict(type='BN', requires_grad=True).
        act_cfg (dict): Config of activation layers.
            Default: dict(type='ReLU').
        init_cfg (dict or list[dict], optional): Initialization config dict.
            Default: Kaiming normal (fan_in, ReLU) for convs and ones/zeros
            for norms, as the authors' ``init_model``.
    """

    arch_settings = {
        29: ((24, 48, 96), (3, 8, 3)),
        45: ((16, 32, 64), (4, 12, 6)),
        61: ((12, 24, 48), (6, 16, 8)),
    }
    # output stride -> (block strides, block dilations)
    stride_settings = {
        32: ((2, 2, 2), (1, 1, 1)),
        16: ((2, 2, 1), (1, 1, 2)),
        8: ((2, 1, 1), (1, 2, 4)),
    }

    def __init__(self,
                 depth: Optional[int] = 45,
                 in_channels: int = 3,
                 stem_channels: int = 8,
                 mid_channels: Optional[Sequence[int]] = None,
                 num_layers: Optional[Sequence[int]] = None,
                 expansion: int = 4,
                 out_stride: int = 32,
                 out_indices: Sequence[int] = (0, 1, 2),
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 act_cfg: dict = dict(type='ReLU'),
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
                 ]):
        super().__init__(init_cfg=init_cfg)
        mid_channels, num_layers = self._resolve_arch(depth, mid_channels,
                                                      num_layers)
        if not isinstance(expansion, int) or expansion < 1:
            raise ValueError(
                f'expansion must be an int >= 1, got {expansion!r}')
        if out_stride not in self.stride_settings:
            raise ValueError(f'out_stride must be one of '
                             f'{sorted(self.stride_settings)}, got '
                             f'{out_stride!r}')
        self.depth = 1 + 2 * sum(num_layers)
        self.mid_channels = mid_channels
        self.num_layers = num_layers
        self.expansion = expansion
        self.out_stride = out_stride
        self.out_indices = check_out_indices(out_indices, 3)
        strides, dilations = self.stride_settings[out_stride]

        self.conv1 = ConvModule(
            in_channels,
            stem_channels,
            3,
            stride=2,
            padding=1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

        self.block_names = []
        channels = stem_channels
        for i, (mid, num, stride, dilation) in enumerate(
                zip(mid_channels, num_layers, strides, dilations)):
            layers = []
            for j in range(num):
                layers.append(
                    NarrowBottleneck(
                        channels,
                        mid,
                        expansion=expansion,
                        stride=stride if j == 0 else 1,
                        dilation=dilation,
                        projection=j == 0,
                        conv_cfg=conv_cfg,
                        norm_cfg=norm_cfg,
                        act_cfg=act_cfg))
                channels = mid * expansion
            name = f'block{i + 1}'
            self.add_module(name, Sequential(*layers))
            self.block_names.append(name)
        self.out_channels = tuple(m * expansion for m in mid_channels)

    @classmethod
    def _resolve_arch(cls, depth, mid_channels, num_layers):
        """Default or check ``mid_channels`` / ``num_layers``."""
        if depth is not None and depth not in cls.arch_settings:
            raise ValueError(f'depth must be one of '
                             f'{sorted(cls.arch_settings)} or None, got '
                             f'{depth!r}')
        if depth is None and (mid_channels is None or num_layers is None):
            raise ValueError('NDNet with depth=None needs both mid_channels '
                             'and num_layers')
        default_mid, default_num = cls.arch_settings.get(depth, (None, None))
        mid_channels = tuple(
            default_mid if mid_channels is None else mid_channels)
        num_layers = tuple(default_num if num_layers is None else num_layers)
        for name, value in (('mid_channels', mid_channels), ('num_layers',
                                                             num_layers)):
            if len(value) != 3 or not all(
                    isinstance(v, int) and v >= 1 for v in value):
                raise ValueError(f'{name} needs 3 ints >= 1 (one per '
                                 f'block), got {value!r}')
        if depth is not None and 1 + 2 * sum(num_layers) != depth:
            raise ValueError(
                f'num_layers {num_layers!r} gives depth '
                f'{1 + 2 * sum(num_layers)} (1 + 2 * sum), not depth={depth}'
                '; pass depth=None for a free depth list')
        return mid_channels, num_layers

    def forward(self, x):
        """Forward function: the outputs of the blocks in ``out_indices``."""
        x = self.maxpool(self.conv1(x))
        outs = []
        for i, name in enumerate(self.block_names):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
