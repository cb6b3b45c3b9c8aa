# Copyright (c) mmseg_efficient contributors. All rights reserved.
from . import hooks, schedulers  # noqa: F401
