# Copyright (c) mmseg_efficient contributors. All rights reserved.
from . import transforms  # noqa: F401
