# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Class-balancing weights from per-class pixel counts.

All functions take ``counts``: the number of labelled pixels of each class
(ignored pixels excluded) and return a float64 numpy array, one weight per
class. A class without pixels gets weight 0 from every method except ENet's
(whose weight is bounded and defined at ``p = 0``).

- :func:`enet_weights` -- ENet (Paszke et al., 2016), used by ERFNet and the
  ESSNet thesis (eq. 3.8, ``c = 1.10``): ``w = 1 / ln(c + p)``,
  ``p = n_c / sum(n)``.
- :func:`inverse_frequency_weights` -- ``w = sum(n) / (K * n_c)`` (so a
  perfectly balanced dataset gets all ones).
- :func:`median_frequency_weights` -- median frequency balancing (Eigen &
  Fergus, 2015; SegNet): ``f_c = n_c / P_c`` with ``P_c`` the pixels of the
  images in which class ``c`` appears, ``w = median(f) / f_c`` (median over
  the present classes). Without ``P_c``, ``f_c = n_c / sum(n)``.
- :func:`effective_number_weights` -- class-balanced loss (Cui et al.,
  2019): ``E = (1 - beta^n) / (1 - beta)``, ``w ∝ 1 / E``, normalised so
  the weights of the present classes sum to their number. With pixel counts
  in the millions ``beta^n`` vanishes and the weights are nearly uniform
  unless ``beta`` is very close to 1 (e.g. ``1 - 1e-8``).
"""
import json
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

import numpy as np

__all__ = [
    'class_frequencies', 'enet_weights', 'inverse_frequency_weights',
    'median_frequency_weights', 'effective_number_weights',
    'compute_class_weights', 'WEIGHTING_METHODS', 'ClassWeightFileError',
    'CLASS_WEIGHT_SUFFIXES', 'load_class_weight_file'
]


def _counts(counts: Sequence[float]) -> np.ndarray:
    arr = np.asarray(counts, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f'counts must be a non-empty 1-D sequence, got '
                         f'shape {arr.shape}')
    if (arr < 0).any() or not np.isfinite(arr).all():
        raise ValueError('counts must be finite and non-negative')
    if arr.sum() <= 0:
        raise ValueError('counts are all zero: no labelled pixels')
    return arr


def class_frequencies(counts: Sequence[float]) -> np.ndarray:
    """``p_c = n_c / sum(n)``."""
    arr = _counts(counts)
    return arr / arr.sum()


def enet_weights(counts: Sequence[float], c: float = 1.10) -> np.ndarray:
    """ENet weights ``1 / ln(c + p_c)`` (bounded by ``1 / ln(c)``).

    Args:
        counts (Sequence[float]): Pixels per class.
        c (float): ENet's constant (the thesis' gamma), > 1. Default: 1.10.
    """
    if not c > 1.0:
        raise ValueError(f'ENet weighting needs c > 1 (so that ln(c + p) > '
                         f'0), got c={c}')
    return 1.0 / np.log(c + class_frequencies(counts))


def inverse_frequency_weights(counts: Sequence[float]) -> np.ndarray:
    """``sum(n) / (K * n_c)``; 0 for an absent class."""
    arr = _counts(counts)
    out = np.zeros_like(arr)
    present = arr > 0
    out[present] = arr.sum() / (arr.size * arr[present])
    return out


def median_frequency_weights(
        counts: Sequence[float],
        image_pixels: Optional[Sequence[float]] = None) -> np.ndarray:
    """Median frequency balancing ``median(f) / f_c``; 0 for an absent
    class.

    Args:
        counts (Sequence[float]): Pixels per class.
        image_pixels (Sequence[float], optional): Per class, the labelled
            pixels of all images in which the class appears (SegNet's
            definition). Default: None (use ``sum(counts)`` for every class).
    """
    arr = _counts(counts)
    if image_pixels is None:
        totals = np.full_like(arr, arr.sum())
    else:
        totals = np.asarray(image_pixels, dtype=np.float64)
        if totals.shape != arr.shape:
            raise ValueError(f'image_pixels has shape {totals.shape}, counts '
                             f'{arr.shape}')
    out = np.zeros_like(arr)
    present = arr > 0
    if (totals[present] <= 0).any():
        raise ValueError('image_pixels must be > 0 for every present class')
    freq = arr[present] / totals[present]
    out[present] = np.median(freq) / freq
    return out


def effective_number_weights(counts: Sequence[float],
                             beta: float = 0.9999) -> np.ndarray:
    """Class-balanced weights ``(1 - beta) / (1 - beta^n_c)``, normalised to
    sum to the number of present classes; 0 for an absent class.

    Args:
        counts (Sequence[float]): Pixels (samples) per class.
        beta (float): In [0, 1). Default: 0.9999.
    """
    if not 0.0 <= beta < 1.0:
        raise ValueError(f'beta must be in [0, 1), got {beta}')
    arr = _counts(counts)
    out = np.zeros_like(arr)
    present = arr > 0
    # -expm1(n * log(beta)) = 1 - beta^n without cancellation.
    effective = -np.expm1(arr[present] * np.log(beta)) / (1.0 - beta) \
        if beta > 0 else np.ones(int(present.sum()))
    raw = 1.0 / effective
    out[present] = raw * present.sum() / raw.sum()
    return out


WEIGHTING_METHODS = ('enet', 'inverse', 'median', 'effective')


def compute_class_weights(
        counts: Sequence[float],
        c: float = 1.10,
        beta: float = 0.9999,
        image_pixels: Optional[Sequence[float]] = None
) -> Dict[str, np.ndarray]:
    """All four weightings of :data:`WEIGHTING_METHODS` by name."""
    return dict(
        enet=enet_weights(counts, c=c),
        inverse=inverse_frequency_weights(counts),
        median=median_frequency_weights(counts, image_pixels),
        effective=effective_number_weights(counts, beta=beta))


class ClassWeightFileError(ValueError):
    """A ``class_weight`` file that is refused or holds no weight list."""


#: File types a ``class_weight`` path may have: each is read by a reader
#: that cannot run code (no pickle, YAML through the safe loader).
CLASS_WEIGHT_SUFFIXES = ('.npy', '.json', '.txt', '.csv', '.yaml', '.yml')


def _read_weights(path: str, suffix: str):
    if suffix == '.npy':
        return np.load(path, allow_pickle=False)
    if suffix == '.json':
        with open(path) as f:
            return json.load(f)
    if suffix in ('.yaml', '.yml'):
        import yaml
        with open(path) as f:
            return yaml.safe_load(f)
    with open(path) as f:  # .txt / .csv: numbers split by commas or blanks
        return [float(v) for v in re.split(r'[\s,]+', f.read().strip())
                if v]


def load_class_weight_file(path: str,
                           key: str = 'class_weight') -> List[float]:
    """Read a class-weight file with a reader that cannot run code.

    mmseg's ``get_class_weight`` hands every path not ending in ``.npy`` to
    ``mmengine.load``, which unpickles ``.pkl`` files and reads YAML with
    the full loader (``!!python/object/apply:os.system`` runs a command).
    This reader accepts only :data:`CLASS_WEIGHT_SUFFIXES`: ``.npy``
    (``allow_pickle=False``), ``.json``, ``.txt`` / ``.csv`` (numbers split
    by commas or blanks) and ``.yaml`` / ``.yml`` (``yaml.safe_load``).

    Args:
        path (str): The file.
        key (str): The config key that names it, for the messages.
            Default: 'class_weight'.

    Returns:
        list[float]: One finite weight per class.

    Raises:
        ClassWeightFileError: Another file type, or content that is not a
            flat list of finite numbers (a numpy object array, a YAML tag
            the safe loader refuses...), naming ``key`` and ``path``.
        FileNotFoundError: The file does not exist, naming ``key``.
    """
    where = f'{key}={path!r}'
    suffix = osp.splitext(str(path))[1].lower()
    if suffix not in CLASS_WEIGHT_SUFFIXES:
        raise ClassWeightFileError(
            f'{where}: refusing to read class weights from a '
            f'{suffix or "suffix-less"} file: only '
            f'{", ".join(CLASS_WEIGHT_SUFFIXES)} files are read, with '
            'readers that cannot run code (pickle files and YAML python '
            'tags can). Write the weights with python tools/analysis_tools/'
            'class_stats.py CONFIG --weights-out W.npy, or list them in the '
            'config.')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{where}: the class-weight file {path} does not exist')
    try:
        values = _read_weights(path, suffix)
    except ValueError as err:  # numpy's allow_pickle refusals, bad numbers
        if 'pickle' in str(err):
            raise ClassWeightFileError(
                f'{where}: {path} holds pickled Python objects (a numpy '
                'object array, or a pickle named .npy), which are not read '
                '(unpickling can run code). Save the weights as a float array: np.save(PATH, '
                'np.asarray(weights, dtype=np.float32))') from err
        raise ClassWeightFileError(
            f'{where}: cannot read weights from {path}: {err}') from err
    except Exception as err:  # json / yaml syntax, refused YAML tags
        raise ClassWeightFileError(
            f'{where}: cannot read weights from {path} '
            f'({type(err).__name__}: {str(err).splitlines()[0]})') from err
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 1 or arr.size == 0 or \
            not np.isfinite(arr).all():
        shown = repr(values)
        shown = shown if len(shown) <= 80 else shown[:77] + '...'
        raise ClassWeightFileError(
            f'{where}: {path} must hold a flat list of finite numbers, one '
            f'weight per class; it holds {shown}')
    return arr.tolist()
