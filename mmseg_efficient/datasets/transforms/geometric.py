# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Geometric augmentations missing from mmseg/mmcv: ERFNet's small
translations, EfficientSeg's non-uniform scaling and its rare-class crop."""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform, RandomResize
from mmcv.transforms.utils import cache_randomness
from mmseg.datasets.transforms import RandomCrop
from mmseg.registry import TRANSFORMS


def shift_array(array: np.ndarray, dx: int, dy: int,
                fill: Union[int, float]) -> np.ndarray:
    """Translate an HxW(xC) array by ``(dx, dy)`` pixels (positive: right,
    down), keeping its size and filling uncovered pixels with ``fill``."""
    h, w = array.shape[:2]
    out = np.full_like(array, fill)
    if abs(dx) >= w or abs(dy) >= h:
        return out
    src_y = slice(max(0, -dy), h - max(0, dy))
    src_x = slice(max(0, -dx), w - max(0, dx))
    dst_y = slice(max(0, dy), h - max(0, -dy))
    dst_x = slice(max(0, dx), w - max(0, -dx))
    out[dst_y, dst_x] = array[src_y, src_x]
    return out


@TRANSFORMS.register_module()
class RandomTranslate(BaseTransform):
    """Shift the image and its segmentation maps by a few random pixels.

    ERFNet's (and the ESSNet thesis') "small translations around both axes":
    independent integer shifts in ``[-max_shift, max_shift]`` along x and y
    (ERFNet: 2 pixels at 1024x512). The size is kept; uncovered image pixels
    get ``pad_val`` and uncovered label pixels ``seg_pad_val`` (ignored).

    Required Keys:

    - img
    - gt_seg_map (and any other key in ``seg_fields``)

    Modified Keys:

    - img
    - gt_seg_map (and the other ``seg_fields``)

    Args:
        max_shift (int | Sequence[int]): Largest shift in pixels, or
            ``(max_x, max_y)``. Default: 2.
        prob (float): Probability of shifting. Default: 1.0.
        pad_val (int | float): Fill value of the image. Default: 0.
        seg_pad_val (int): Fill value of segmentation maps. Default: 255.
    """

    def __init__(self,
                 max_shift: Union[int, Sequence[int]] = 2,
                 prob: float = 1.0,
                 pad_val: Union[int, float] = 0,
                 seg_pad_val: int = 255) -> None:
        if isinstance(max_shift, int):
            max_shift = (max_shift, max_shift)
        max_shift = tuple(max_shift)
        if len(max_shift) != 2 or any(not isinstance(m, int) or m < 0
                                      for m in max_shift):
            raise ValueError('max_shift must be an int >= 0 or a pair of '
                             f'them, got {max_shift!r}')
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob!r}')
        self.max_shift = max_shift
        self.prob = prob
        self.pad_val = pad_val
        self.seg_pad_val = seg_pad_val

    @cache_randomness
    def _random_shift(self) -> Tuple[int, int]:
        if np.random.rand() >= self.prob:
            return 0, 0
        max_x, max_y = self.max_shift
        return (int(np.random.randint(-max_x, max_x + 1)),
                int(np.random.randint(-max_y, max_y + 1)))

    def transform(self, results: dict) -> dict:
        dx, dy = self._random_shift()
        if dx == 0 and dy == 0:
            return results
        results['img'] = shift_array(results['img'], dx, dy, self.pad_val)
        for key in results.get('seg_fields', []):
            results[key] = shift_array(results[key], dx, dy, self.seg_pad_val)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(max_shift={self.max_shift}, '
                f'prob={self.prob}, pad_val={self.pad_val}, '
                f'seg_pad_val={self.seg_pad_val})')


@TRANSFORMS.register_module()
class RandomAspectResize(RandomResize):
    """Resize to a random, aspect-changing multiple of a base size.

    EfficientSeg's non-uniform scaling (authors' code): a height factor
    ``fh ~ U(height_ratio_range)`` and a width factor
    ``fw = max(fh + U(width_offset_range), min_width_ratio)``; the image
    becomes ``(int(W * fw), int(H * fh))`` for ``scale=(W, H)``, so its
    aspect ratio changes by ``fw / fh``, in
    ``[max(min_width_ratio, fh + low) / fh, (fh + high) / fh]``. The image
    is resized with ``interpolation`` (the authors: Lanczos), segmentation
    maps with nearest neighbour (mmcv's ``Resize``, ``keep_ratio=False``).

    Required Keys:

    - img
    - gt_seg_map (optional)

    Modified Keys:

    - img
    - gt_seg_map
    - img_shape

    Added Keys:

    - scale
    - scale_factor
    - keep_ratio

    Args:
        scale (Sequence[int]): Base size (W, H). Default: (1024, 512).
        height_ratio_range (Sequence[float]): Range of the height factor.
            Default: (0.75, 2.0).
        width_offset_range (Sequence[float]): Range of the offset added to
            the height factor to get the width factor. Default: (-1.0, 1.0).
        min_width_ratio (float): Lower clamp of the width factor.
            Default: 0.75.
        interpolation (str): Image interpolation of mmcv's ``Resize``.
            Default: 'lanczos'.
    """

    def __init__(self,
                 scale: Sequence[int] = (1024, 512),
                 height_ratio_range: Sequence[float] = (0.75, 2.0),
                 width_offset_range: Sequence[float] = (-1.0, 1.0),
                 min_width_ratio: float = 0.75,
                 interpolation: str = 'lanczos') -> None:
        scale = tuple(scale)
        if len(scale) != 2 or min(scale) < 1:
            raise ValueError(f'scale must be (W, H) > 0, got {scale!r}')
        for name, rng in (('height_ratio_range', height_ratio_range),
                          ('width_offset_range', width_offset_range)):
            if len(rng) != 2 or rng[0] > rng[1]:
                raise ValueError(f'{name} must be (min, max), got {rng!r}')
        if height_ratio_range[0] <= 0 or min_width_ratio <= 0:
            raise ValueError(
                'height_ratio_range and min_width_ratio must be positive, '
                f'got {height_ratio_range!r} and {min_width_ratio!r}')
        super().__init__(
            scale=scale,
            resize_type='Resize',
            keep_ratio=False,
            interpolation=interpolation)
        self.height_ratio_range = tuple(height_ratio_range)
        self.width_offset_range = tuple(width_offset_range)
        self.min_width_ratio = min_width_ratio

    @cache_randomness
    def _random_scale(self) -> Tuple[int, int]:
        fh = np.random.uniform(*self.height_ratio_range)
        fw = max(fh + np.random.uniform(*self.width_offset_range),
                 self.min_width_ratio)
        return int(self.scale[0] * fw), int(self.scale[1] * fh)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'height_ratio_range={self.height_ratio_range}, '
                f'width_offset_range={self.width_offset_range}, '
                f'min_width_ratio={self.min_width_ratio}, '
                f'resize_cfg={self.resize_cfg})')


@TRANSFORMS.register_module()
class RareClassRandomCrop(RandomCrop):
    """mmseg's ``RandomCrop`` that keeps a requested class in the crop.

    Samples added by
    :class:`~mmseg_efficient.datasets.RareClassOversampledDataset` carry
    ``results['rare_class']``: the crop is then placed uniformly among the
    windows that contain a random pixel of that class (EfficientSeg's
    oversampling crop; the authors use one of the class's centroids).
    Without the key, or if the class is not in the (resized) label map, it
    is mmseg's ``RandomCrop`` (``cat_max_ratio`` included).

    Required Keys:

    - img
    - gt_seg_map
    - rare_class (optional)

    Modified Keys:

    - img
    - img_shape
    - gt_seg_map

    Args:
        crop_size (int | Sequence[int]): (h, w) of the crop.
        cat_max_ratio (float): See mmseg's ``RandomCrop``. Default: 1.0.
        ignore_index (int): Label ignored by ``cat_max_ratio``.
            Default: 255.
    """

    def __init__(self,
                 crop_size: Union[int, Sequence[int]],
                 cat_max_ratio: float = 1.,
                 ignore_index: int = 255):
        # mmseg's RandomCrop wants a tuple; configs passed through JSON or
        # --cfg-options give lists
        if isinstance(crop_size, list):
            crop_size = tuple(crop_size)
        super().__init__(crop_size, cat_max_ratio, ignore_index)

    def crop_bbox(self, results: dict) -> tuple:
        """The crop window: around ``rare_class`` when it is present."""
        bbox = None
        if results.get('rare_class') is not None:
            bbox = self._rare_class_bbox(results, results['rare_class'])
        return super().crop_bbox(results) if bbox is None else bbox

    @cache_randomness
    def _rare_class_bbox(self, results: dict,
                         rare_class: int) -> Optional[tuple]:
        ys, xs = np.nonzero(results['gt_seg_map'] == rare_class)
        if len(ys) == 0:
            return None
        pick = np.random.randint(len(ys))
        h, w = results['img'].shape[:2]
        offsets = []
        for pos, size, crop in ((ys[pick], h, self.crop_size[0]),
                                (xs[pick], w, self.crop_size[1])):
            low = max(0, pos - crop + 1)
            high = max(low, min(pos, size - crop))
            offsets.append(int(np.random.randint(low, high + 1)))
        y1, x1 = offsets
        return y1, y1 + self.crop_size[0], x1, x1 + self.crop_size[1]
