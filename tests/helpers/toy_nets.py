# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Small models shared by tests."""
import torch.nn as nn
from mmcv.cnn import ConvModule


class ToyNet(nn.Module):
    """Two ConvModules with grouped 1x1 convs built through a conv_cfg."""

    def __init__(self, conv_cfg):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.blocks = nn.Sequential(
            ConvModule(
                8, 8, 1, groups=2, conv_cfg=conv_cfg,
                norm_cfg=dict(type='BN')),
            ConvModule(
                8,
                16,
                3,
                padding=1,
                groups=4,
                conv_cfg=conv_cfg,
                norm_cfg=dict(type='BN')))
        self.head = nn.Conv2d(16, 5, 1)

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))
