# Copyright (c) mmseg_efficient contributors. All rights reserved.
from . import transforms  # noqa: F401
from .street_scenes import generate_street_scenes

__all__ = ['generate_street_scenes']
