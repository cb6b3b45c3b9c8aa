# Copyright (c) mmseg_efficient contributors. All rights reserved.
from . import transforms  # noqa: F401
from .kitti_semantic import (KittiSemanticDataset, street_to_kitti_layout,
                             write_kitti_splits)
from .street_scenes import generate_street_scenes

__all__ = [
    'KittiSemanticDataset', 'generate_street_scenes', 'street_to_kitti_layout',
    'write_kitti_splits'
]
