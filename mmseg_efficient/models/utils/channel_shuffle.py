# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""ShuffleNet's channel shuffle as a module."""
import torch
import torch.nn as nn
from mmpretrain.models.utils import channel_shuffle


class ChannelShuffle(nn.Module):
    """Channel shuffle of ShuffleNet as a module (mmpretrain's function).

    The channels, seen as ``groups`` rows of ``C / groups``, are transposed:
    output channel ``j * groups + i`` is input channel
    ``i * (C / groups) + j``.

    Args:
        groups (int): Number of groups.
    """

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channel_shuffle(x, self.groups)

    def extra_repr(self) -> str:
        return f'groups={self.groups}'
