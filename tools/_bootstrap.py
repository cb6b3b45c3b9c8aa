# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Make ``import mmseg_efficient`` work when a tool is run from a source
checkout that is not pip-installed (mmseg's tools do the same through
PYTHONPATH in dist_train.sh)."""
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
try:
    import mmseg_efficient  # noqa: F401
except ImportError:
    sys.path.insert(0, REPO_ROOT)
    import mmseg_efficient  # noqa: F401
