# Copyright (c) mmseg_efficient contributors. All rights reserved.
from . import hooks  # noqa: F401
