# Copyright (c) mmseg_efficient contributors. All rights reserved.
import os.path as osp

import cv2
import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS


class SegDataError(ValueError):
    """An image or label file of a segmentation dataset is unusable."""


@TRANSFORMS.register_module()
class LoadCheckedImageFromFile(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` that names the file it cannot read.

    mmcv lets the decoder's error through: a zero-byte image ends in
    ``cv2.error ... !buf.empty()``, with no file name. This loader raises a
    :class:`SegDataError` naming the image (and saying when it is empty).
    Arguments are mmcv's; with ``ignore_empty=True`` an unreadable image is
    still skipped (None), as in mmcv.
    """

    def transform(self, results: dict):
        path = results['img_path']
        try:
            return super().transform(results)
        except FileNotFoundError as err:
            raise SegDataError(f'Image file not found: {path}') from err
        except (AssertionError, AttributeError, OSError, ValueError,
                cv2.error) as err:
            size = osp.getsize(path) if osp.isfile(path) else None
            what = ('it is empty (0 bytes)' if size == 0 else
                    'corrupt or not an image')
            raise SegDataError(
                f'Cannot decode image file {path} ({what})') from err


@TRANSFORMS.register_module()
class LoadCheckedAnnotations(LoadAnnotations):
    """mmseg's ``LoadAnnotations`` that refuses bad label files by name.

    mmseg loads whatever a label PNG holds: an undecodable file fails deep in
    numpy, a label whose size differs from its image is silently cropped or
    padded, and an id outside the classes crashes the loss (or a CUDA kernel)
    with no hint of the file. This loader stops with a :class:`SegDataError`
    naming the label file for each of these.

    Args:
        num_classes (int): Number of classes; valid ids are
            ``0 .. num_classes - 1`` and ``ignore_index``. Default: 19.
        ignore_index (int): The id of ignored pixels. Default: 255.
        check_size (bool): Whether the label must have the size of the image
            it belongs to (``results['ori_shape']``, set by
            ``LoadImageFromFile``). Default: True.
        **kwargs: Passed to mmseg's ``LoadAnnotations``.
    """

    def __init__(self,
                 num_classes: int = 19,
                 ignore_index: int = 255,
                 check_size: bool = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(
                f'LoadCheckedAnnotations: num_classes must be a positive int, '
                f'got {num_classes!r}')
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.check_size = check_size

    def _load_seg_map(self, results: dict) -> None:
        path = results['seg_map_path']
        try:
            super()._load_seg_map(results)
        except FileNotFoundError as err:
            raise SegDataError(f'Label file not found: {path}') from err
        except (AttributeError, OSError, ValueError, cv2.error) as err:
            # cv2 returns None (AttributeError on .squeeze), Pillow raises
            # UnidentifiedImageError (an OSError) on undecodable bytes.
            raise SegDataError(f'Cannot decode label file {path} (corrupt '
                               'or not an image)') from err
        self._check_label(results['gt_seg_map'], results, path)

    def _check_label(self, label: np.ndarray, results: dict,
                     path: str) -> None:
        """Check a decoded label (after mmseg's ``reduce_zero_label`` and
        ``label_map``) against its image and the class range."""
        if label.ndim != 2:
            raise SegDataError(
                f'Label file {path} has shape {label.shape}; expected a '
                'single-channel PNG of class ids (e.g. '
                '*_gtFine_labelTrainIds.png)')
        if self.check_size and 'ori_shape' in results:
            img_shape = tuple(results['ori_shape'][:2])
            if tuple(label.shape) != img_shape:
                raise SegDataError(
                    f'Label file {path} is {label.shape[1]}x{label.shape[0]} '
                    f'(WxH) but its image {results.get("img_path")} is '
                    f'{img_shape[1]}x{img_shape[0]}')
        ids = np.unique(label)
        bad = ids[(ids >= self.num_classes) & (ids != self.ignore_index)]
        if bad.size:
            raise SegDataError(
                f'Label file {path} contains class ids {bad[:10].tolist()} '
                f'outside 0..{self.num_classes - 1} (ignore index '
                f'{self.ignore_index}). Cityscapes labels must be the '
                '*_labelTrainIds.png files (run mmseg\'s tools/'
                'dataset_converters/cityscapes.py), not *_labelIds.png.')

    def __repr__(self) -> str:
        return (super().__repr__()[:-1] + f', num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index}, '
                f'check_size={self.check_size})')


__all__ = [
    'LoadCheckedAnnotations', 'LoadCheckedImageFromFile', 'SegDataError'
]
