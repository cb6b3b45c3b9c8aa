# Copyright (c) mmseg_efficient contributors. All rights reserved.
# The street-scene generator (``mmseg_efficient.datasets.street_scenes``) is
# deliberately not imported here: training processes never need it.
from . import transforms  # noqa: F401
from .kitti_semantic import (KittiSemanticDataset, street_to_kitti_layout,
                             write_kitti_splits)

__all__ = [
    'KittiSemanticDataset', 'street_to_kitti_layout', 'write_kitti_splits'
]
