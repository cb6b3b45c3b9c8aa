# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""mmseg_efficient: efficient real-time segmentation models for
MMSegmentation 1.x.

Importing this package makes mmseg work on today's stack (see
:mod:`mmseg_efficient.compat`) and registers every component of the plugin
into mmseg's registries. Configs load it with
``custom_imports = dict(imports=['mmseg_efficient'])`` and keep
``default_scope = 'mmseg'``.
"""
from .compat import apply_compat
from .version import __version__

apply_compat()

from . import datasets, engine, models, utils  # noqa: E402,F401
from . import visualization  # noqa: E402,F401

# Upstream warnings every run would print, filtered once by message
# (mmseg_efficient.utils.logs.UPSTREAM_WARNINGS says which and why).
utils.filter_upstream_warnings()
# CheckpointHook saves are written atomically (temporary file + rename).
utils.install_atomic_checkpoint_saving()

__all__ = ['__version__', 'apply_compat']
