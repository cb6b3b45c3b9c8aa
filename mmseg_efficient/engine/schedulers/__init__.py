# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .poly_restart import PolyRestartLR, PolyRestartParamScheduler

__all__ = ['PolyRestartLR', 'PolyRestartParamScheduler']
