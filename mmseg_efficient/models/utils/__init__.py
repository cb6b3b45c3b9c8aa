# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Helpers shared by the model families (mmseg's ``models/utils``
convention). A family file imports from here, never from another family's
backbone or head."""
from .channel_shuffle import ChannelShuffle
from .pretrained_init import StrictPretrainedInit
from .stage_args import check_out_indices, per_stage
from .upsample import build_block, build_output_layer, check_upsampling_kernel

__all__ = [
    'ChannelShuffle', 'StrictPretrainedInit', 'build_block',
    'build_output_layer', 'check_out_indices', 'check_upsampling_kernel',
    'per_stage'
]
