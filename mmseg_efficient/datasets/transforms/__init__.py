# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .geometric import (RandomAspectResize, RandomTranslate,  # noqa: F401
                        RareClassRandomCrop)
from .loading import LoadCheckedAnnotations, SegDataError
from .photometric import JpegCompression, MultiplicativeColorJitter

__all__ = [
    'JpegCompression', 'LoadCheckedAnnotations', 'MultiplicativeColorJitter',
    'RandomAspectResize', 'RandomTranslate', 'RareClassRandomCrop',
    'SegDataError'
]
