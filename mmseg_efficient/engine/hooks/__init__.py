# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .gradual_grouping_hook import GradualGroupingHook
from .lr_window_hook import LrMultiplierWindowHook

__all__ = ['GradualGroupingHook', 'LrMultiplierWindowHook']
