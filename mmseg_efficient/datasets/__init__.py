# Copyright (c) mmseg_efficient contributors. All rights reserved.
# The street-scene generator (``mmseg_efficient.datasets.street_scenes``) is
# deliberately not imported here: training processes never need it.
from . import transforms  # noqa: F401
from .coco_stuff_subset import (CITYSCAPES_COCO_CLASSES,
                                COCOStuffSubsetDataset, select_images)
from .kitti_semantic import (KittiSemanticDataset, street_to_kitti_layout,
                             write_kitti_splits)
from .minicity import convert_minicity
from .rare_class_oversampling import (EFFICIENTSEG_RARE_CLASSES,
                                      RareClassOversampledDataset,
                                      build_class_pixel_index)

__all__ = [
    'CITYSCAPES_COCO_CLASSES', 'COCOStuffSubsetDataset',
    'EFFICIENTSEG_RARE_CLASSES', 'KittiSemanticDataset',
    'RareClassOversampledDataset', 'build_class_pixel_index',
    'convert_minicity', 'select_images', 'street_to_kitti_layout',
    'write_kitti_splits'
]
