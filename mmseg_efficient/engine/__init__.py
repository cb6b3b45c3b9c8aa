# Copyright (c) mmseg_efficient contributors. All rights reserved.
from . import hooks, optimizers, schedulers  # noqa: F401
