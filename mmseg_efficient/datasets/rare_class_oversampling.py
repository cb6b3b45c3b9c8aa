# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Rare-class oversampling (EfficientSeg): every epoch adds, for each rare
class, N random images that contain it, cropped around it.

The wrapper only adds indices; any mmengine sampler (``DefaultSampler``,
``InfiniteSampler``) shuffles and shares them between ranks like the base
indices, so under DDP every rank gets a disjoint share. The image of an
extra index is drawn when the index is loaded (numpy's generator, which
mmengine seeds per worker and rank), so each pass over the indices draws new
images. ``RareClassRandomCrop`` then places the crop on the class.
"""
import json
import logging
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import mmcv
import numpy as np
from mmengine.dataset import BaseDataset, force_full_init
from mmengine.dist import barrier, get_dist_info
from mmengine.fileio import get
from mmengine.logging import print_log
from mmseg.registry import DATASETS

INDEX_VERSION = 1
INDEX_NAME = 'class_pixel_index.json'
# Cityscapes train ids of the classes EfficientSeg oversamples: wall, fence,
# pole, rider, truck, bus, train, motorcycle, bicycle.
EFFICIENTSEG_RARE_CLASSES = (3, 4, 5, 12, 14, 15, 16, 17, 18)


def label_class_counts(data_info: dict, num_classes: int) -> List[int]:
    """Pixels of each class ``0..num_classes-1`` in a sample's label file,
    after the dataset's ``label_map`` / ``reduce_zero_label`` (as mmseg's
    ``LoadAnnotations``)."""
    path = data_info['seg_map_path']
    label = mmcv.imfrombytes(get(path), flag='unchanged', backend='pillow')
    if label is None or label.ndim != 2:
        raise ValueError(f'{path} is not a single-channel label image')
    label = label.astype(np.int64)
    if data_info.get('reduce_zero_label', False):
        label[label == 0] = 255
        label = label - 1
        label[label == 254] = 255
    if data_info.get('label_map'):
        mapped = label.copy()
        for old_id, new_id in data_info['label_map'].items():
            mapped[label == old_id] = new_id
        label = mapped
    label = label[(label >= 0) & (label < num_classes)]
    return np.bincount(label, minlength=num_classes)[:num_classes].tolist()


def _file_key(path: str) -> dict:
    stat = os.stat(path)
    return dict(size=stat.st_size, mtime_ns=stat.st_mtime_ns)


def build_class_pixel_index(data_infos: Sequence[dict], num_classes: int,
                            index_file: Optional[str]) -> List[List[int]]:
    """Per-sample class pixel counts, read from / written to ``index_file``.

    Entries are keyed by label path and checked against the file's size and
    modification time; stale or missing entries are recomputed and the file
    rewritten. Under DDP rank 0 updates the file and the other ranks read it
    after a barrier. If the file cannot be written the counts stay in
    memory (each rank computes them).

    Returns:
        list[list[int]]: ``counts[i][c]`` = pixels of class ``c`` in sample
        ``i``.
    """
    rank, world_size = get_dist_info()
    paths = [info['seg_map_path'] for info in data_infos]
    missing = [p for p in paths if not osp.isfile(p)]
    if missing:
        raise FileNotFoundError(f'{len(missing)} label file(s) not found, '
                                f'e.g. {missing[0]}')

    def load() -> dict:
        if index_file is None or not osp.isfile(index_file):
            return {}
        try:
            with open(index_file) as f:
                data = json.load(f)
        except (OSError, ValueError) as err:
            print_log(f'Ignoring unreadable class index {index_file}: {err}',
                      logger='current', level=logging.WARNING)
            return {}
        if (data.get('version') != INDEX_VERSION
                or data.get('num_classes') != num_classes):
            return {}
        return data.get('files', {})

    def update(entries: dict) -> tuple:
        changed = False
        for info, path in zip(data_infos, paths):
            key = _file_key(path)
            entry = entries.get(path)
            if entry is None or any(entry.get(k) != v
                                    for k, v in key.items()):
                entries[path] = dict(
                    **key, counts=label_class_counts(info, num_classes))
                changed = True
        return entries, changed

    written = False
    if rank == 0:
        entries, changed = update(load())
        if changed and index_file is not None:
            try:
                tmp = f'{index_file}.{os.getpid()}.tmp'
                with open(tmp, 'w') as f:
                    json.dump(
                        dict(
                            version=INDEX_VERSION,
                            num_classes=num_classes,
                            files=entries), f)
                os.replace(tmp, index_file)
                print_log(f'Wrote the class pixel index {index_file}',
                          logger='current')
            except OSError as err:
                print_log(f'Could not write the class pixel index '
                          f'{index_file} ({err}); keeping it in memory',
                          logger='current', level=logging.WARNING)
        written = True
    if world_size > 1:
        barrier()
        if rank != 0:
            entries, _ = update(load())
    elif not written:
        entries, _ = update(load())
    return [entries[p]['counts'] for p in paths]


@DATASETS.register_module()
class RareClassOversampledDataset:
    """Adds ``num_extra`` samples per rare class to a segmentation dataset.

    EfficientSeg: "For every epoch, 20 extra images for each rare class are
    also fed to the network" (the authors' code uses 40). Indices
    ``0..len(dataset)-1`` are the wrapped dataset's samples; each of the
    ``num_extra * len(classes)`` extra indices belongs to one rare class and
    loads a random image containing it (at least ``min_pixels`` pixels of
    it), with ``results['rare_class']`` set so that
    :class:`~mmseg_efficient.datasets.transforms.RareClassRandomCrop`
    crops around the class. Rare classes present in no image get no extra
    samples (with a warning).

    Which images contain which class comes from a per-sample class pixel
    index computed once and cached in ``index_file`` (JSON, next to the
    labels by default), refreshed when a label file changes.

    Args:
        dataset (BaseDataset | dict): The segmentation dataset (its
            ``data_list`` entries need ``seg_map_path``).
        rare_classes (Sequence[int]): Class ids to oversample.
            Default: EfficientSeg's nine (wall, fence, pole, rider, truck,
            bus, train, motorcycle, bicycle).
        num_extra (int): Extra samples per rare class per pass (epoch).
            Default: 20 (the paper; the code uses 40).
        min_pixels (int): Pixels of a class an image needs to be drawn for
            it. Default: 1.
        index_file (str, optional): Cache of the class pixel index; None
            means ``class_pixel_index.json`` in the label directory
            (``data_prefix['seg_map_path']``). Default: None.
        lazy_init (bool): Defer loading the annotations and the index.
            Default: False.
    """

    def __init__(self,
                 dataset: Union[BaseDataset, dict],
                 rare_classes: Sequence[int] = EFFICIENTSEG_RARE_CLASSES,
                 num_extra: int = 20,
                 min_pixels: int = 1,
                 index_file: Optional[str] = None,
                 lazy_init: bool = False):
        if isinstance(dataset, dict):
            dataset = DATASETS.build(dataset)
        if not isinstance(dataset, BaseDataset):
            raise TypeError('dataset must be a BaseDataset or its config, '
                            f'got {type(dataset)}')
        if not isinstance(num_extra, int) or num_extra < 0:
            raise ValueError(f'num_extra must be an int >= 0, got '
                             f'{num_extra!r}')
        if not isinstance(min_pixels, int) or min_pixels < 1:
            raise ValueError(f'min_pixels must be an int >= 1, got '
                             f'{min_pixels!r}')
        self.dataset = dataset
        self._metainfo = dataset.metainfo
        num_classes = len(self._metainfo.get('classes', ()))
        rare_classes = tuple(rare_classes)
        bad = [c for c in rare_classes
               if not isinstance(c, int) or not 0 <= c < num_classes]
        if bad or len(set(rare_classes)) != len(rare_classes):
            raise ValueError(f'rare_classes must be distinct class ids in '
                             f'0..{num_classes - 1}, got {rare_classes!r}')
        self.num_classes = num_classes
        self.rare_classes = rare_classes
        self.num_extra = num_extra
        self.min_pixels = min_pixels
        self.index_file = index_file
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """The wrapped dataset's meta information."""
        return dict(self._metainfo)

    def full_init(self) -> None:
        """Load the wrapped dataset and the class pixel index."""
        if self._fully_initialized:
            return
        self.dataset.full_init()
        infos = [
            self.dataset.get_data_info(i) for i in range(len(self.dataset))
        ]
        index_file = self.index_file
        if index_file is None:
            seg_dir = self.dataset.data_prefix.get('seg_map_path')
            if seg_dir:
                index_file = osp.join(seg_dir, INDEX_NAME)
        self.class_counts = np.asarray(
            build_class_pixel_index(infos, self.num_classes, index_file),
            dtype=np.int64).reshape(len(infos), self.num_classes)
        self.images_per_class: Dict[int, np.ndarray] = {}
        for c in self.rare_classes:
            images = np.flatnonzero(self.class_counts[:, c] >= self.min_pixels)
            if len(images) == 0:
                name = self._metainfo['classes'][c]
                print_log(f'Rare class {c} ({name}) is in no image with >= '
                          f'{self.min_pixels} pixels: no extra samples',
                          logger='current', level=logging.WARNING)
                continue
            self.images_per_class[c] = images
        self.sampled_classes = tuple(self.images_per_class)
        self._ori_len = len(self.dataset)
        self._fully_initialized = True

    @force_full_init
    def __len__(self) -> int:
        return self._ori_len + self.num_extra * len(self.sampled_classes)

    @force_full_init
    def rare_class_of(self, idx: int) -> Optional[int]:
        """The rare class of index ``idx``, None for a base sample."""
        if not 0 <= idx < len(self):
            raise IndexError(f'index {idx} out of range for '
                             f'{len(self)} samples')
        if idx < self._ori_len:
            return None
        return self.sampled_classes[(idx - self._ori_len) // self.num_extra]

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """The annotation of ``idx``; for an extra index, of a random image
        containing its rare class, with ``rare_class`` set."""
        rare_class = self.rare_class_of(idx)
        if rare_class is None:
            return self.dataset.get_data_info(idx)
        images = self.images_per_class[rare_class]
        info = self.dataset.get_data_info(
            int(images[np.random.randint(len(images))]))
        info['rare_class'] = rare_class
        return info

    def __getitem__(self, idx: int):
        self.full_init()
        if idx < self._ori_len:
            return self.dataset[idx]
        return self.dataset.pipeline(self.get_data_info(idx))

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(len={len(self)}, base='
                f'{self._ori_len}, rare_classes={self.sampled_classes}, '
                f'num_extra={self.num_extra})')
