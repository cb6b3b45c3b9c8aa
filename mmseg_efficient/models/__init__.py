# Copyright (c) mmseg_efficient contributors. All rights reserved.
from . import (backbones, decode_heads, layers, losses,  # noqa: F401
               segmentors)
