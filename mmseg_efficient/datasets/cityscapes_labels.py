# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The official Cityscapes label ids of the 19 training classes, shared by
the KITTI dataset (whose labels are Cityscapes label ids) and the
street-scene generator. Plain Python: importing it costs nothing."""

#: The 19 Cityscapes training classes; the index is the train id.
CITYSCAPES_CLASSES = ('road', 'sidewalk', 'building', 'wall', 'fence',
                      'pole', 'traffic light', 'traffic sign', 'vegetation',
                      'terrain', 'sky', 'person', 'rider', 'car', 'truck',
                      'bus', 'train', 'motorcycle', 'bicycle')
#: Official Cityscapes label id of each training class (index = train id).
CITYSCAPES_CLASS_LABEL_IDS = (7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24,
                              25, 26, 27, 28, 31, 32, 33)
