# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Encoders of ERFNet and ESSNet (ESSNetA, ESSNetB; ESSNet uses ESSNetB's).

`Efficient Semantic Segmentation using Gradual Grouping
<https://arxiv.org/abs/1806.08522>`_ and N. Vallurupalli's thesis "On
Designing Efficient Deep Neural Networks for Semantic Segmentation"
(IIIT Hyderabad, 2022), Tables 3.1 and 3.3.
"""
from typing import Optional, Sequence

import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.models.backbones.erfnet import DownsamplerBlock
from mmseg.registry import MODELS

from ..layers.essnet_blocks import (ESSNetBlock, FactorizedResidualBlock,
                                    parse_variant)
from ..utils import check_out_indices, per_stage


@MODELS.register_module()
class ERFNetEncoder(BaseModule):
    """Encoder of ERFNet, and of ESSNet with Conv-modules (D/DGC/DGCS).

    `ERFNet <https://ieeexplore.ieee.org/document/8063438>`_'s encoder is a
    stack of stages, each a Downsampler block (concatenation of a strided
    3x3 conv and a max-pool) followed by residual blocks. In each stage the
    first ``num_non_bt_1d[i]`` blocks are ERFNet's non-bottleneck-1D and the
    others are ESSNet's Conv-modules (:class:`ESSNetBlock` of ``variant``).
    With the defaults it is ERFNet's encoder (all blocks non-bt-1D):

    ============  =====================  =============================
    stage (out)   ERFNet (this class)    ESSNetB / ESSNetA
    ============  =====================  =============================
    0 (16, 1/2)   Downsampler 3->16      same
    1 (64, 1/4)   Downsampler, 5 NB      5 D  /  3 NB + 2 D
    2 (128, 1/8)  Downsampler, 8 NB      8 D  /  4 NB + 4 D
    ============  =====================  =============================

    Dilations cycle through ``dilations[i]`` over all blocks of stage i
    (1 in stage 1; 2, 4, 8, 16, 2, 4, 8, 16 in stage 2).

    Unlike mmseg's ``ERFNet`` backbone, every block honours ``conv_cfg``,
    ``norm_cfg`` and ``act_cfg``, and the decoder is a separate decode head
    (:class:`~mmseg_efficient.models.decode_heads.ERFNetHead`).

    Args:
        in_channels (int): Input image channels. Default: 3.
        downsample_channels (Sequence[int]): Output channels of each stage's
            Downsampler block. Default: (16, 64, 128).
        num_blocks (Sequence[int]): Residual blocks per stage.
            Default: (0, 5, 8).
        num_non_bt_1d (Sequence[int], optional): How many of each stage's
            blocks (the first ones) are non-bottleneck-1D; the rest are
            Conv-modules. None means all. Default: None.
        dilations (Sequence[int | Sequence[int]]): Dilations of each stage's
            blocks, cycled. Default: (1, 1, (2, 4, 8, 16)).
        drop_rates (Sequence[float]): Dropout of each stage's blocks.
            Default: (0., 0.03, 0.3), ERFNet's code's values (the thesis
            only says "a constant of 0.3", §3.4.1).
        variant (str): Layer of the Conv-modules: 'D', 'DGC', 'DGCS',
            'DG<n>' or 'DG<n>S'. Default: 'D'.
        groups (int, optional): Groups for 'DGC'/'DGCS'. Default: None.
        out_indices (Sequence[int]): Stages whose outputs are returned.
            Default: (0, 1, 2).
        conv_cfg (dict | None): Config of conv layers (the Conv-modules'
            depthwise convs included). Default: None.
        pw_conv_cfg (dict | None): Config of the Conv-modules' pointwise
            convs, e.g. ``dict(type='MaskedGroupConv2d')`` for gradual
            grouping. Default: None.
        norm_cfg (dict): Config of norm layers.
            Default: dict(type='BN', eps=1e-3, requires_grad=True).
        act_cfg (dict): Config of activation layers.
            Default: dict(type='ReLU').
        init_cfg (dict or list[dict], optional): Initialization config dict.
            Default: None.
    """

    def __init__(self,
                 in_channels: int = 3,
                 downsample_channels: Sequence[int] = (16, 64, 128),
                 num_blocks: Sequence[int] = (0, 5, 8),
                 num_non_bt_1d: Optional[Sequence[int]] = None,
                 dilations: Sequence = (1, 1, (2, 4, 8, 16)),
                 drop_rates: Sequence[float] = (0., 0.03, 0.3),
                 variant: str = 'D',
                 groups: Optional[int] = None,
                 out_indices: Sequence[int] = (0, 1, 2),
                 conv_cfg: Optional[dict] = None,
                 pw_conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(
                     type='BN', eps=1e-3, requires_grad=True),
                 act_cfg: dict = dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        num_stages = len(downsample_channels)
        if num_stages == 0:
            raise ValueError('downsample_channels must not be empty')
        num_blocks = per_stage(num_blocks, num_stages, 'num_blocks')
        if num_non_bt_1d is None:
            num_non_bt_1d = num_blocks
        num_non_bt_1d = per_stage(num_non_bt_1d, num_stages, 'num_non_bt_1d')
        for n_nb, n in zip(num_non_bt_1d, num_blocks):
            if not 0 <= n_nb <= n:
                raise ValueError(f'num_non_bt_1d {num_non_bt_1d!r} must be '
                                 f'within 0..num_blocks {num_blocks!r}')
        dilations = tuple(
            (d, ) if isinstance(d, int) else tuple(d)
            for d in per_stage(dilations, num_stages, 'dilations'))
        if any(len(d) == 0 for d in dilations):
            raise ValueError(f'empty dilation list in {dilations!r}')
        drop_rates = per_stage(drop_rates, num_stages, 'drop_rates')
        # Fail early, naming the variant, even if no Conv-module is built.
        parse_variant(variant, groups)

        self.variant = variant
        self.out_indices = check_out_indices(out_indices, num_stages)
        self.stages = nn.ModuleList()
        channels_in = in_channels
        for i, channels in enumerate(downsample_channels):
            layers = [
                DownsamplerBlock(
                    channels_in,
                    channels,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg)
            ]
            for j in range(num_blocks[i]):
                dilation = dilations[i][j % len(dilations[i])]
                if j < num_non_bt_1d[i]:
                    layers.append(
                        FactorizedResidualBlock(
                            channels,
                            drop_rate=drop_rates[i],
                            dilation=dilation,
                            conv_cfg=conv_cfg,
                            norm_cfg=norm_cfg,
                            act_cfg=act_cfg))
                else:
                    layers.append(
                        ESSNetBlock(
                            channels,
                            variant=variant,
                            groups=groups,
                            dilation=dilation,
                            drop_rate=drop_rates[i],
                            conv_cfg=conv_cfg,
                            pw_conv_cfg=pw_conv_cfg,
                            norm_cfg=norm_cfg,
                            act_cfg=act_cfg))
            self.stages.append(nn.Sequential(*layers))
            channels_in = channels

    def forward(self, x):
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)


@MODELS.register_module()
class ESSNetB(ERFNetEncoder):
    """ESSNetB encoder (thesis Table 3.1), also ESSNet's encoder (§3.5.2).

    ERFNet's encoder with every non-bottleneck-1D replaced by a Conv-module:
    Downsampler 3->16, Downsampler 16->64, 5 Conv-modules at 64 channels,
    Downsampler 64->128, 8 Conv-modules at 128 channels with dilations
    2, 4, 8, 16, 2, 4, 8, 16. ``variant='DG2'`` gives ESSNetB-DG2,
    ``'DG4S'`` ESSNetB-DG4S, and so on.

    Args:
        num_non_bt_1d (Sequence[int]): Non-bottleneck-1D blocks at the start
            of each stage. Default: (0, 0, 0).
        **kwargs: See :class:`ERFNetEncoder`.
    """

    def __init__(self, num_non_bt_1d: Sequence[int] = (0, 0, 0), **kwargs):
        super().__init__(num_non_bt_1d=num_non_bt_1d, **kwargs)


@MODELS.register_module()
class ESSNetA(ERFNetEncoder):
    """ESSNetA encoder (thesis Table 3.3): Conv-modules only in the later
    layers.

    Downsampler 3->16, Downsampler 16->64, 3 non-bt-1D and 2 Conv-modules
    at 64 channels, Downsampler 64->128, 4 non-bt-1D (dilations 2, 4, 8,
    16) and 4 Conv-modules (2, 4, 8, 16) at 128 channels. Table 3.3 prints
    rows 3-7 as "128 ch, 128x64" with overlapping row numbers; the parameter
    differences of its DG series fix this layout.

    Args:
        num_non_bt_1d (Sequence[int]): Non-bottleneck-1D blocks at the start
            of each stage. Default: (0, 3, 4).
        **kwargs: See :class:`ERFNetEncoder`.
    """

    def __init__(self, num_non_bt_1d: Sequence[int] = (0, 3, 4), **kwargs):
        super().__init__(num_non_bt_1d=num_non_bt_1d, **kwargs)
