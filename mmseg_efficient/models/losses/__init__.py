# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .cwd_loss import ChannelWiseDistillationLoss

__all__ = ['ChannelWiseDistillationLoss']
