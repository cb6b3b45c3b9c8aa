# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Checks on loaded segmentation labels.

The pipelines keep mmseg's own loaders (``LoadImageFromFile``,
``LoadAnnotations``) under their own type names, because mmseg's inference
APIs (``inference_model``, ``MMSegInferencer``) and mmdeploy find them by
those names: they drop ``LoadAnnotations`` and swap the image loader for one
of their own. The checks live in :class:`CheckSegLabel`, placed right after
``LoadAnnotations``: it refuses a bad label map naming its file, and does
nothing when a sample has no label (inference). That a bad *file* is named
at all (an empty image, an undecodable label) is the compat fix
``loader_file_errors`` (:mod:`mmseg_efficient.compat`).
"""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


class SegDataError(ValueError):
    """An image or label file of a segmentation dataset is unusable."""


@TRANSFORMS.register_module()
class CheckSegLabel(BaseTransform):
    """Refuse a label map that cannot be right, naming its file.

    mmseg uses whatever a label PNG holds: a label whose size differs from
    its image is silently cropped or padded, an RGB label fails deep in the
    loss, and an id outside the classes crashes the loss (or a CUDA kernel)
    with no hint of the file. Placed after ``LoadAnnotations`` (so after its
    ``reduce_zero_label`` and ``label_map``), this transform stops with a
    :class:`SegDataError` naming the label file for each of these. A sample
    without ``gt_seg_map`` (inference, where mmseg drops ``LoadAnnotations``)
    passes untouched.

    Required keys: ``gt_seg_map`` (optional), ``seg_map_path`` (optional),
    ``ori_shape`` (optional), ``img_path`` (optional).

    Args:
        num_classes (int): Number of classes; valid ids are
            ``0 .. num_classes - 1`` and ``ignore_index``. Default: 19.
        ignore_index (int): The id of ignored pixels. Default: 255.
        check_size (bool): Whether the label must have the size of its image
            as loaded (``results['ori_shape']``). Default: True.
    """

    def __init__(self,
                 num_classes: int = 19,
                 ignore_index: int = 255,
                 check_size: bool = True) -> None:
        if isinstance(num_classes, bool) or not isinstance(
                num_classes, int) or num_classes < 1:
            raise ValueError(
                f'CheckSegLabel: num_classes must be a positive int, got '
                f'{num_classes!r}')
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.check_size = check_size

    def transform(self, results: dict) -> dict:
        label: Optional[np.ndarray] = results.get('gt_seg_map')
        if label is None:
            return results
        path = results.get('seg_map_path', '(label given in memory)')
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
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index}, '
                f'check_size={self.check_size})')


__all__ = ['CheckSegLabel', 'SegDataError']
