# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Texture augmentations of EfficientSeg missing from mmseg/mmcv.

mmseg's ``PhotoMetricDistortion`` shifts hue additively and brightness by an
offset; EfficientSeg multiplies them (imgaug's ``MultiplyHue`` and a
brightness multiply), and re-encodes the image as JPEG (imgaug's
``JpegCompression``). Both work on the uint8 BGR image of
``LoadImageFromFile`` and never touch segmentation maps.
"""
from typing import Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.datasets.transforms import PhotoMetricDistortion
from mmseg.registry import TRANSFORMS


def _check_range(value, name: str, low: float, high: float,
                 allow_none: bool = False) -> Optional[Tuple[float, float]]:
    if value is None and allow_none:
        return None
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not low <= value[0] <= value[1] <= high):
        raise ValueError(f'{name} must be a (min, max) pair with '
                         f'{low} <= min <= max <= {high}, got {value!r}')
    return float(value[0]), float(value[1])


def _check_prob(prob) -> float:
    if not 0 <= prob <= 1:
        raise ValueError(f'prob must be in [0, 1], got {prob!r}')
    return float(prob)


@TRANSFORMS.register_module()
class JpegCompression(BaseTransform):
    """Re-encode the image as JPEG at a random quality (OpenCV).

    EfficientSeg's texture augmentation: imgaug's ``JpegCompression`` with
    compression 0-70, i.e. JPEG quality 30-100. The image keeps its size and
    dtype (float images are clipped to 0-255 and rounded for the encoder);
    segmentation maps are not touched.

    Required Keys:

    - img

    Modified Keys:

    - img

    Args:
        quality_range (Sequence[int]): (min, max) JPEG quality, inclusive,
            within 1-100. Default: (30, 100).
        prob (float): Probability of re-encoding. Default: 1.0.
    """

    def __init__(self,
                 quality_range: Sequence[int] = (30, 100),
                 prob: float = 1.0) -> None:
        low, high = _check_range(quality_range, 'quality_range', 1, 100)
        if low != int(low) or high != int(high):
            raise ValueError('quality_range must hold integers, got '
                             f'{quality_range!r}')
        self.quality_range = (int(low), int(high))
        self.prob = _check_prob(prob)

    @cache_randomness
    def _random_quality(self) -> Optional[int]:
        if np.random.rand() >= self.prob:
            return None
        return int(
            np.random.randint(self.quality_range[0],
                              self.quality_range[1] + 1))

    def transform(self, results: dict) -> dict:
        quality = self._random_quality()
        if quality is None:
            return results
        img = results['img']
        dtype = img.dtype
        img8 = img if dtype == np.uint8 else np.clip(np.round(img), 0,
                                                     255).astype(np.uint8)
        ok, buf = cv2.imencode('.jpg', img8,
                               [int(cv2.IMWRITE_JPEG_QUALITY), quality])
        if not ok:
            raise RuntimeError(
                f'OpenCV could not JPEG-encode an image of shape '
                f'{img.shape} ({results.get("img_path", "no path")})')
        flag = cv2.IMREAD_GRAYSCALE if img8.ndim == 2 else cv2.IMREAD_COLOR
        out = cv2.imdecode(buf, flag)
        if img8.ndim == 3 and img8.shape[2] == 1:
            out = out[..., None]
        results['img'] = out.astype(dtype, copy=False)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(quality_range='
                f'{self.quality_range}, prob={self.prob})')


@TRANSFORMS.register_module()
class MultiplicativeColorJitter(PhotoMetricDistortion):
    """Multiply the hue and the brightness by random factors.

    EfficientSeg's colour invariance: "multiplying hue and brightness values
    of the image by uniformly distributed random values in (0.4, 1.6)".
    The hue (OpenCV's HSV, 0-179) is multiplied and wrapped around the
    colour circle (imgaug's ``MultiplyHue``); the brightness multiply scales
    all channels and clips to 0-255 (mmseg's ``PhotoMetricDistortion.
    convert``, the same as its "contrast"). The authors' final code applies
    only the hue multiply: set ``brightness_range=None`` for that. Works on
    3-channel uint8 BGR images; segmentation maps are not touched.

    Required Keys:

    - img

    Modified Keys:

    - img

    Args:
        hue_range (Sequence[float], optional): (min, max) hue factor; None
            disables it. Default: (0.4, 1.6).
        brightness_range (Sequence[float], optional): (min, max) brightness
            factor; None disables it. Default: (0.4, 1.6).
        prob (float): Probability of jittering an image (both factors
            together). Default: 1.0.
    """

    def __init__(self,
                 hue_range: Optional[Sequence[float]] = (0.4, 1.6),
                 brightness_range: Optional[Sequence[float]] = (0.4, 1.6),
                 prob: float = 1.0) -> None:
        super().__init__()
        self.hue_range = _check_range(
            hue_range, 'hue_range', 0, float('inf'), allow_none=True)
        self.brightness_range = _check_range(
            brightness_range,
            'brightness_range',
            0,
            float('inf'),
            allow_none=True)
        self.prob = _check_prob(prob)

    @cache_randomness
    def _random_factors(self) -> Tuple[Optional[float], Optional[float]]:
        if np.random.rand() >= self.prob:
            return None, None
        hue = (None if self.hue_range is None else float(
            np.random.uniform(*self.hue_range)))
        brightness = (None if self.brightness_range is None else float(
            np.random.uniform(*self.brightness_range)))
        return hue, brightness

    def transform(self, results: dict) -> dict:
        hue, brightness = self._random_factors()
        img = results['img']
        if hue is not None:
            if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
                raise TypeError(
                    'MultiplicativeColorJitter needs a uint8 BGR image, got '
                    f'{img.dtype} of shape {img.shape} '
                    f'({results.get("img_path", "no path")})')
            hsv = mmcv.bgr2hsv(img)
            hsv[..., 0] = np.round(hsv[..., 0] * hue).astype(np.int64) % 180
            img = mmcv.hsv2bgr(hsv)
        if brightness is not None:
            img = self.convert(img, alpha=brightness)
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(hue_range={self.hue_range}, '
                f'brightness_range={self.brightness_range}, '
                f'prob={self.prob})')
