# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .channels_last_hook import ChannelsLastHook
from .gradual_grouping_hook import GradualGroupingHook
from .lr_window_hook import LrMultiplierWindowHook

__all__ = ['ChannelsLastHook', 'GradualGroupingHook', 'LrMultiplierWindowHook']
