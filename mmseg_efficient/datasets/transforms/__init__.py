# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .loading import LoadCheckedAnnotations, SegDataError

__all__ = ['LoadCheckedAnnotations', 'SegDataError']
from .geometric import RandomTranslate  # noqa: E402,F401
