# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .freeze_hook import LrFreezeHook
from .gradual_grouping_hook import GradualGroupingHook

__all__ = ['GradualGroupingHook', 'LrFreezeHook']
