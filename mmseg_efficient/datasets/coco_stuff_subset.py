# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""COCO-Stuff 164k reduced to a few classes + background.

The ShuffleNet V2 + DPC authors pre-train on COCO 2017 with the 9 classes
that Cityscapes also has (person, bicycle, car, motorcycle, bus, train,
truck, stop sign, parking meter) and every other pixel marked background,
keeping the images with over 1000 pixels of those classes.

mmseg's ``COCOStuffDataset`` reads the data (its converter,
``tools/dataset_converters/coco_stuff164k.py``, writes the
``*_labelTrainIds.png`` files, ids 0-170, 255 unlabeled) but cannot make
that label set by configuration: ``metainfo=dict(classes=[...])`` keeps a
subset and maps every other class to 255, i.e. *ignored*, never learnt as
background, and a class ``'background'`` is refused since COCO-Stuff has
none. :class:`COCOStuffSubsetDataset` is ``COCOStuffDataset`` with that one
thing changed: its ``label_map`` sends the other classes to background (id
0). mmseg's ``LoadAnnotations`` applies the map as for any class subset, and
``CheckSegLabel(num_classes=len(classes) + 1)`` then refuses a label
file holding an id that COCO-Stuff does not have, naming the file.

:func:`select_images` writes the ``ann_file`` of the images with at least
``min_pixels`` pixels of the kept classes (the authors' filter).
"""
import os
import os.path as osp
from typing import List, Sequence

import cv2
import numpy as np
from mmseg.datasets import COCOStuffDataset
from mmseg.registry import DATASETS

# The 9 COCO classes that are Cityscapes classes (the authors' list, in
# COCO's category order, which is also COCO-Stuff's).
CITYSCAPES_COCO_CLASSES = ('person', 'bicycle', 'car', 'motorcycle', 'bus',
                           'train', 'truck', 'stop sign', 'parking meter')
COCO_STUFF_CLASSES = COCOStuffDataset.METAINFO['classes']
UNLABELED = 255


def _check_classes(classes: Sequence[str], background: str) -> tuple:
    classes = tuple(classes)
    unknown = [c for c in classes if c not in COCO_STUFF_CLASSES]
    if unknown:
        raise ValueError(
            f'COCOStuffSubsetDataset: classes {unknown} are not COCO-Stuff '
            f'classes (mmseg COCOStuffDataset.METAINFO, e.g. '
            f'{list(COCO_STUFF_CLASSES[:4])})')
    if not classes or len(set(classes)) != len(classes):
        raise ValueError('COCOStuffSubsetDataset: classes must be a '
                         f'non-empty list without repeats, got {classes}')
    if background in classes:
        raise ValueError(f'COCOStuffSubsetDataset: background name '
                         f'{background!r} is one of the kept classes')
    return classes


def subset_label_map(classes: Sequence[str],
                     unlabeled_to_background: bool = True) -> dict:
    """COCO-Stuff train id -> id in the subset: ``classes[i]`` -> ``i + 1``,
    every other COCO-Stuff class -> 0 (background); the unlabeled id 255 ->
    0, or kept as 255 (ignored) when ``unlabeled_to_background`` is False."""
    classes = _check_classes(classes, background='')
    label_map = {
        i: classes.index(c) + 1 if c in classes else 0
        for i, c in enumerate(COCO_STUFF_CLASSES)
    }
    if unlabeled_to_background:
        label_map[UNLABELED] = 0
    return label_map


@DATASETS.register_module()
class COCOStuffSubsetDataset(COCOStuffDataset):
    """mmseg's COCO-Stuff 164k with ``classes`` kept (ids 1..n) and every
    other class merged into a background class (id 0).

    Args:
        classes (Sequence[str]): COCO-Stuff classes to keep, in the order of
            their new ids 1..n. Default: the 9 Cityscapes classes of COCO.
        background (str): Name of class 0. Default: 'background'.
        unlabeled_to_background (bool): Whether COCO-Stuff's unlabeled
            pixels (255) become background, as in the authors' masks (drawn
            from the instance annotations onto zeros), or stay ignored.
            Default: True.
        **kwargs: ``COCOStuffDataset``'s (``data_root``, ``data_prefix``,
            ``ann_file``, ``pipeline``, ...), without ``metainfo``: the
            classes and their palette (COCO-Stuff's colours, black for
            background) come from ``classes``.
    """

    def __init__(self,
                 classes: Sequence[str] = CITYSCAPES_COCO_CLASSES,
                 background: str = 'background',
                 unlabeled_to_background: bool = True,
                 **kwargs) -> None:
        if kwargs.get('metainfo') is not None:
            raise ValueError('COCOStuffSubsetDataset takes its classes from '
                             '`classes`, not from `metainfo`')
        kwargs.pop('metainfo', None)
        self.kept_classes = _check_classes(classes, background)
        self.unlabeled_to_background = unlabeled_to_background
        palette = COCOStuffDataset.METAINFO['palette']
        metainfo = dict(
            classes=(background, ) + self.kept_classes,
            palette=[[0, 0, 0]] + [
                palette[COCO_STUFF_CLASSES.index(c)]
                for c in self.kept_classes
            ])
        super().__init__(metainfo=metainfo, **kwargs)

    def get_label_map(self, new_classes=None) -> dict:
        """The map from COCO-Stuff ids (called by mmseg's BaseSegDataset;
        ``new_classes`` is the background + the kept classes)."""
        return subset_label_map(self.kept_classes,
                                self.unlabeled_to_background)


def select_images(label_dir: str,
                  classes: Sequence[str] = CITYSCAPES_COCO_CLASSES,
                  min_pixels: int = 1000,
                  seg_map_suffix: str = '_labelTrainIds.png') -> List[str]:
    """Stems of the COCO-Stuff label files under ``label_dir`` with at
    least ``min_pixels`` pixels of ``classes`` (sorted), i.e. the lines of
    an ``ann_file``.

    Raises:
        FileNotFoundError: ``label_dir`` is missing or holds no label file.
        ValueError: A label file cannot be decoded (named).
    """
    classes = _check_classes(classes, background='')
    ids = np.array([COCO_STUFF_CLASSES.index(c) for c in classes])
    if not osp.isdir(label_dir):
        raise FileNotFoundError(f'{label_dir} does not exist')
    files = sorted(f for f in os.listdir(label_dir)
                   if f.endswith(seg_map_suffix))
    if not files:
        raise FileNotFoundError(
            f'no *{seg_map_suffix} file in {label_dir}: run mmseg\'s '
            'tools/dataset_converters/coco_stuff164k.py first')
    stems = []
    for name in files:
        path = osp.join(label_dir, name)
        label = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if label is None or label.ndim != 2:
            raise ValueError(f'Cannot read {path} as a single-channel label')
        counts = np.bincount(label.ravel(), minlength=256)
        if counts[ids].sum() >= min_pixels:
            stems.append(name[:-len(seg_map_suffix)])
    return stems
