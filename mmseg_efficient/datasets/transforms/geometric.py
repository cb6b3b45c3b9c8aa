# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Geometric augmentations missing from mmseg/mmcv."""
from typing import Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
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
