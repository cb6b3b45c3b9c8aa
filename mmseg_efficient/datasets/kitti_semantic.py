# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""KITTI semantic segmentation (``data_semantics``) as downloaded.

Layout (KITTI's zip unpacked, plus the split files written by
``tools/dataset_converters/kitti_semantic_split.py``)::

    data/kitti_semantics/
    ├── training/image_2/000000_10.png ...   # 200 frames, ~1242x375
    ├── training/semantic/000000_10.png ...  # Cityscapes *label ids* (0..33)
    ├── testing/image_2/000000_10.png ...    # 200 frames, no labels
    └── splits/{train,val}.txt               # frame names, no suffix

The labels are mapped to the 19 Cityscapes train ids (every other id ->
255) **on the fly**: :class:`KittiSemanticDataset` hands mmseg's annotation
loader a ``label_map`` of the 34 Cityscapes label ids. We chose this over a
converter because the data stays exactly as downloaded (no second copy of
the labels, no step to forget, no stale converted files), the mapping costs
34 array comparisons per frame, and every tool that loads labels through the
dataset (training, testing, ``tools/analysis_tools/class_stats.py``) sees the
same train ids. An id outside 0..33 is left as it is, so
``CheckSegLabel`` stops on it naming the file.

A label folder that already holds train ids (converted by another tool)
would be mapped a second time ({0..13} -> {0, 1, 2, 3, 4, 255}): the first
label files are checked when the dataset loads its list, and such a folder
is refused unless ``label_type='train_ids'`` says so.
"""
import os
import os.path as osp
import random
from typing import Dict, Sequence, Tuple

from mmseg.datasets import BaseSegDataset, CityscapesDataset
from mmseg.registry import DATASETS

from .cityscapes_labels import (CITYSCAPES_CLASS_LABEL_IDS,
                                check_raw_label_ids)

__all__ = [
    'KittiSemanticDataset', 'KITTI_LABEL_MAP', 'list_kitti_frames',
    'street_to_kitti_layout', 'write_kitti_splits'
]

#: Cityscapes label id (0..33, as KITTI stores them) -> train id / 255.
KITTI_LABEL_MAP: Dict[int, int] = {
    i: (CITYSCAPES_CLASS_LABEL_IDS.index(i)
        if i in CITYSCAPES_CLASS_LABEL_IDS else 255)
    for i in range(34)
}


@DATASETS.register_module()
class KittiSemanticDataset(BaseSegDataset):
    """KITTI semantic segmentation with Cityscapes label ids.

    Frames and labels share their file name (``000000_10.png``). The label
    ids are mapped to the 19 Cityscapes train ids on the fly (see the module
    docstring); the classes and palette are Cityscapes'.

    Args:
        img_suffix (str): Default: '.png'.
        seg_map_suffix (str): Default: '.png'.
        label_type (str): ``'label_ids'``: the labels hold Cityscapes label
            ids, as KITTI ships them, mapped to train ids; the first
            ``label_check_files`` label files are checked and a folder that
            holds train ids already is refused (:class:`LabelFormatError`).
            ``'train_ids'``: the labels hold train ids (0..18, 255) and are
            read as they are. Default: 'label_ids'.
        label_check_files (int): Label files read by that check.
            Default: 8.
        **kwargs: Passed to mmseg's ``BaseSegDataset`` (``data_root``,
            ``data_prefix``, ``ann_file`` (a split file of frame names),
            ``pipeline``...).
    """
    METAINFO = CityscapesDataset.METAINFO

    LABEL_TYPES = ('label_ids', 'train_ids')

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 label_type: str = 'label_ids',
                 label_check_files: int = 8,
                 **kwargs) -> None:
        if label_type not in self.LABEL_TYPES:
            raise ValueError(f'KittiSemanticDataset: label_type must be one '
                             f'of {self.LABEL_TYPES}, got {label_type!r}')
        self.label_type = label_type
        self.label_check_files = label_check_files
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    def load_data_list(self):
        if self.ann_file and not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'KittiSemanticDataset: split file {self.ann_file} not found;'
                ' write the 150/50 split with python tools/dataset_converters/'
                'kitti_semantic_split.py DATA_ROOT')
        data_list = super().load_data_list()
        if not data_list:
            raise FileNotFoundError(
                'KittiSemanticDataset: no frame found in '
                f'{self.data_prefix.get("img_path")}')
        if self.label_type == 'train_ids':
            return data_list
        check_raw_label_ids(
            [info['seg_map_path'] for info in data_list],
            self.data_prefix.get('seg_map_path', ''),
            hint="Point data_prefix.seg_map_path at KITTI's own labels "
            "(training/semantic, label ids 0..33), or set the dataset's "
            "label_type='train_ids' (e.g. --cfg-options "
            "train_dataloader.dataset.label_type=train_ids) if these are "
            'train ids.',
            max_files=self.label_check_files,
            backend_args=self.backend_args)
        for info in data_list:
            info['label_map'] = KITTI_LABEL_MAP
        return data_list


def list_kitti_frames(data_root: str,
                      img_dir: str = 'training/image_2',
                      seg_dir: str = 'training/semantic') -> list:
    """Sorted names (no suffix) of the frames that have an image and a
    label."""
    img_path = osp.join(data_root, img_dir)
    if not osp.isdir(img_path):
        raise FileNotFoundError(f'No KITTI image folder {img_path}')
    names = sorted(
        osp.splitext(f)[0] for f in os.listdir(img_path) if f.endswith('.png'))
    missing = [
        n for n in names if not osp.isfile(osp.join(data_root, seg_dir, n +
                                                    '.png'))
    ]
    if missing:
        raise FileNotFoundError(
            f'{len(missing)} frames of {img_path} have no label in '
            f'{osp.join(data_root, seg_dir)}, e.g. {missing[0]}.png')
    return names


def write_kitti_splits(data_root: str,
                       num_train: int = 150,
                       num_val: int = 50,
                       seed: int = 0,
                       out_dir: str = 'splits') -> Tuple[list, list]:
    """Write ``<out_dir>/train.txt`` and ``val.txt``: a random disjoint
    ``num_train``/``num_val`` split of the labelled KITTI frames.

    The frames are sorted by name and shuffled with ``random.Random(seed)``,
    so the split depends only on the file names and the seed.

    Returns:
        tuple[list, list]: The train and val frame names.
    """
    names = list_kitti_frames(data_root)
    if num_train < 1 or num_val < 0 or num_train + num_val > len(names):
        raise ValueError(
            f'Cannot split {len(names)} labelled frames of {data_root} into '
            f'{num_train} train + {num_val} val')
    order = list(names)
    random.Random(seed).shuffle(order)
    train, val = sorted(order[:num_train]), sorted(
        order[num_train:num_train + num_val])
    out = osp.join(data_root, out_dir)
    os.makedirs(out, exist_ok=True)
    for split, items in (('train', train), ('val', val)):
        with open(osp.join(out, f'{split}.txt'), 'w') as f:
            f.write(''.join(n + '\n' for n in items))
    return train, val


def street_to_kitti_layout(street_root: str,
                           out_root: str,
                           sizes: Sequence[Tuple[int, int]] = ((1242, 375), ),
                           splits: Sequence[str] = ('train', 'val')) -> list:
    """Copy the built-in street scenes into KITTI's ``data_semantics``
    layout (``training/image_2``, ``training/semantic`` with the raw
    Cityscapes label ids, ``testing/image_2``), for tests and CPU runs.

    Frame ``i`` is resized to ``sizes[i % len(sizes)]`` (``(W, H)``; image
    bilinear, labels nearest). Train and val scenes become
    ``training/`` frames ``000000_10.png``...; the val scenes are also
    copied to ``testing/image_2``.

    Returns:
        list: The frame names, in order (train scenes first).
    """
    import cv2
    names = []
    os.makedirs(osp.join(out_root, 'training', 'image_2'), exist_ok=True)
    os.makedirs(osp.join(out_root, 'training', 'semantic'), exist_ok=True)
    os.makedirs(osp.join(out_root, 'testing', 'image_2'), exist_ok=True)
    for split in splits:
        img_dir = osp.join(street_root, 'leftImg8bit', split)
        if not osp.isdir(img_dir):
            raise FileNotFoundError(f'No street-scene split {img_dir}')
        files = sorted(
            osp.join(city, f) for city in os.listdir(img_dir)
            for f in os.listdir(osp.join(img_dir, city))
            if f.endswith('_leftImg8bit.png'))
        for rel in files:
            i = len(names)
            name = f'{i:06d}_10'
            w, h = sizes[i % len(sizes)]
            img = cv2.imread(osp.join(img_dir, rel), cv2.IMREAD_COLOR)
            lbl_path = osp.join(street_root, 'gtFine', split, rel).replace(
                '_leftImg8bit.png', '_gtFine_labelIds.png')
            lbl = cv2.imread(lbl_path, cv2.IMREAD_UNCHANGED)
            if img is None or lbl is None:
                raise FileNotFoundError(f'Cannot read {rel} or {lbl_path}')
            img = cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
            lbl = cv2.resize(lbl, (w, h), interpolation=cv2.INTER_NEAREST)
            cv2.imwrite(
                osp.join(out_root, 'training', 'image_2', name + '.png'), img)
            cv2.imwrite(
                osp.join(out_root, 'training', 'semantic', name + '.png'),
                lbl)
            if split != 'train':
                cv2.imwrite(
                    osp.join(out_root, 'testing', 'image_2', name + '.png'),
                    img)
            names.append(name)
    return names

