# Copyright (c) mmseg_efficient contributors. All rights reserved.
__version__ = '0.1.0'
