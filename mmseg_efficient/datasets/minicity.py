# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Minicity (VIPriors 2020 semantic segmentation challenge): a 200 train /
100 val / 200 test subset of Cityscapes in its layout, with flat split
folders and only ``*_gtFine_labelIds.png`` labels::

    minicity/leftImg8bit/{train,val,test}/<stem>_leftImg8bit.png
    minicity/gtFine/{train,val}/<stem>_gtFine_labelIds.png

:func:`convert_minicity` writes the ``*_gtFine_labelTrainIds.png`` files
that mmseg's ``CityscapesDataset`` reads, so no dataset class is needed
(``configs/_base_/datasets/minicity.py``).
"""
import glob
import os.path as osp
from typing import Sequence

import cv2
import numpy as np

LABEL_IDS_SUFFIX = '_gtFine_labelIds.png'
TRAIN_IDS_SUFFIX = '_gtFine_labelTrainIds.png'


def convert_minicity(root: str,
                     splits: Sequence[str] = ('train', 'val'),
                     overwrite: bool = False) -> int:
    """Write ``*_gtFine_labelTrainIds.png`` next to every
    ``*_gtFine_labelIds.png`` of ``root/gtFine/<split>`` (Cityscapes label
    ids to train ids 0-18, every other id to 255).

    Args:
        root (str): The Minicity root (holding ``gtFine``).
        splits (Sequence[str]): Splits to convert. Default: train, val.
        overwrite (bool): Rewrite existing train-id files. Default: False.

    Returns:
        int: Number of files written.

    Raises:
        FileNotFoundError: A split folder is missing or holds no labelIds
            file.
        LabelFormatError: The first labelIds files of a split already hold
            train ids (see :func:`~mmseg_efficient.datasets.
            cityscapes_labels.check_raw_label_ids`); nothing is written for
            that split.
        ValueError: A label file is not a single-channel image.
    """
    from .cityscapes_labels import check_raw_label_ids
    from .street_scenes.classes import LABEL_ID_TO_TRAIN_ID
    written = 0
    for split in splits:
        folder = osp.join(root, 'gtFine', split)
        files = sorted(
            glob.glob(
                osp.join(folder, '**', f'*{LABEL_IDS_SUFFIX}'),
                recursive=True))
        if not files:
            raise FileNotFoundError(
                f'No *{LABEL_IDS_SUFFIX} files in {folder} (expected the '
                'Minicity layout gtFine/<split>/<stem>_gtFine_labelIds.png)')
        check_raw_label_ids(
            files, folder,
            hint=f'Converting them would turn most pixels into 255. If the '
            f'*{LABEL_IDS_SUFFIX} files hold train ids, copy them to '
            f'*{TRAIN_IDS_SUFFIX} instead; otherwise restore the original '
            'Minicity labels.')
        for path in files:
            out = path[:-len(LABEL_IDS_SUFFIX)] + TRAIN_IDS_SUFFIX
            if osp.exists(out) and not overwrite:
                continue
            ids = cv2.imread(path, cv2.IMREAD_UNCHANGED)
            if ids is None or ids.ndim != 2 or ids.dtype != np.uint8:
                raise ValueError(f'{path} is not a single-channel 8-bit '
                                 'label image')
            if not cv2.imwrite(out, LABEL_ID_TO_TRAIN_ID[ids]):
                raise OSError(f'Could not write {out}')
            written += 1
    return written
