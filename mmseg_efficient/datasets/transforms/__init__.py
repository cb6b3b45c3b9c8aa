# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .geometric import (RandomAspectResize, RandomTranslate,  # noqa: F401
                        RareClassRandomCrop)
from .loading import (LoadCheckedAnnotations, LoadCheckedImageFromFile,
                      SegDataError)
from .photometric import JpegCompression, MultiplicativeColorJitter

__all__ = [
    'JpegCompression', 'LoadCheckedAnnotations', 'LoadCheckedImageFromFile',
    'MultiplicativeColorJitter', 'RandomAspectResize', 'RandomTranslate',
    'RareClassRandomCrop', 'SegDataError'
]
