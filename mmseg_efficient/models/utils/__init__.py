# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Helpers shared by the model families (mmseg's ``models/utils``
convention). A family file imports from here, never from another family's
backbone or head."""
from .channel_shuffle import ChannelShuffle
from .stage_args import check_out_indices, per_stage
from .upsample import build_deconv, deconv_padding

__all__ = [
    'ChannelShuffle', 'check_out_indices', 'per_stage', 'build_deconv',
    'deconv_padding'
]
