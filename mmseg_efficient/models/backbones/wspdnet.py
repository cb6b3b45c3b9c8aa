# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Encoder of WSPD-Net (N. Vallurupalli's thesis "On Designing Efficient Deep
Neural Networks for Semantic Segmentation", IIIT Hyderabad 2022, §4.3 and
Table 4.2)."""
from typing import Optional, Sequence

import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.models.backbones.erfnet import DownsamplerBlock
from mmseg.registry import MODELS

from ..layers.essnet_blocks import DWSDilBlock, FactorizedResidualBlock
from ..utils import check_out_indices, per_stage


@MODELS.register_module()
class WSPDNet(BaseModule):
    """WSPD-Net encoder: wide factorised kernels and DWS-Dil blocks.

    ============  ===========================================
    stage (out)   layers
    ============  ===========================================
    0 (16, 1/2)   Downsampler 3->16, 3 non-bt-1D (3x1/1x3)
    1 (64, 1/4)   Downsampler 16->64, 2 non-bt-1D (5x1/1x5)
    2 (128, 1/8)  Downsampler 64->128, ``num_dws_dil`` DWS-Dil
    ============  ===========================================

    Table 4.2 lists "2 x DWS-Dil" but numbers them as rows 9-11, and the
    text's "18 layers" and "five fewer encoder layers" than ERFNet imply 3,
    so the count is an argument (configs ship both).

    Args:
        in_channels (int): Input image channels. Default: 3.
        downsample_channels (Sequence[int]): Output channels of the three
            Downsampler blocks. Default: (16, 64, 128).
        num_non_bt_1d (Sequence[int]): Non-bottleneck-1D blocks in stages 0
            and 1. Default: (3, 2).
        kernel_sizes (Sequence[int]): Factorised kernel length of those
            blocks per stage. Default: (3, 5).
        num_dws_dil (int): DWS-Dil blocks in stage 2. Default: 2.
        dws_dilations (Sequence[int]): Dilations of the parallel depthwise
            branches of DWS-Dil. Default: (2, 4, 8, 16).
        drop_rates (Sequence[float]): Dropout per stage.
            Default: (0.03, 0.03, 0.3) (ERFNet's code's 0.03 / 0.3; the
            thesis only says "a constant of 0.3", §3.4.1).
        out_indices (Sequence[int]): Stages whose outputs are returned.
            Default: (0, 1, 2).
        conv_cfg (dict | None): Config of conv layers. Default: None.
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
                 num_non_bt_1d: Sequence[int] = (3, 2),
                 kernel_sizes: Sequence[int] = (3, 5),
                 num_dws_dil: int = 2,
                 dws_dilations: Sequence[int] = (2, 4, 8, 16),
                 drop_rates: Sequence[float] = (0.03, 0.03, 0.3),
                 out_indices: Sequence[int] = (0, 1, 2),
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(
                     type='BN', eps=1e-3, requires_grad=True),
                 act_cfg: dict = dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if len(downsample_channels) != 3:
            raise ValueError('WSPDNet has 3 stages, got downsample_channels='
                             f'{downsample_channels!r}')
        num_non_bt_1d = per_stage(num_non_bt_1d, 2, 'num_non_bt_1d')
        kernel_sizes = per_stage(kernel_sizes, 2, 'kernel_sizes')
        drop_rates = per_stage(drop_rates, 3, 'drop_rates')
        if not isinstance(num_dws_dil, int) or num_dws_dil < 0:
            raise ValueError(f'num_dws_dil must be an int >= 0, got '
                             f'{num_dws_dil!r}')
        self.num_dws_dil = num_dws_dil
        self.out_indices = check_out_indices(out_indices, 3)
        cfgs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)

        self.stages = nn.ModuleList()
        channels_in = in_channels
        for i, channels in enumerate(downsample_channels):
            layers = [DownsamplerBlock(channels_in, channels, **cfgs)]
            if i < 2:
                layers += [
                    FactorizedResidualBlock(
                        channels,
                        drop_rate=drop_rates[i],
                        kernel_size=kernel_sizes[i],
                        **cfgs) for _ in range(num_non_bt_1d[i])
                ]
            else:
                layers += [
                    DWSDilBlock(
                        channels,
                        dilations=dws_dilations,
                        drop_rate=drop_rates[i],
                        **cfgs) for _ in range(num_dws_dil)
                ]
            self.stages.append(nn.Sequential(*layers))
            channels_in = channels

    def forward(self, x):
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
