# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .geometric import (RandomAspectResize, RandomTranslate,  # noqa: F401
                        RareClassRandomCrop)
from .loading import CheckSegLabel, SegDataError
from .photometric import JpegCompression, MultiplicativeColorJitter

__all__ = [
    'CheckSegLabel', 'JpegCompression', 'MultiplicativeColorJitter',
    'RandomAspectResize', 'RandomTranslate', 'RareClassRandomCrop',
    'SegDataError'
]
