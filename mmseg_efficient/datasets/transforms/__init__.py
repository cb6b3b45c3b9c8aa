# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .loading import (LoadCheckedAnnotations, LoadCheckedImageFromFile,
                      SegDataError)

__all__ = [
    'LoadCheckedAnnotations', 'LoadCheckedImageFromFile', 'SegDataError'
]
from .geometric import RandomTranslate  # noqa: E402,F401
