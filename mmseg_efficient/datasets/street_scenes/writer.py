# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Writing a dataset: the file layout, parallel rendering, argument
checks and the manifest."""
import json
import multiprocessing
import os
import os.path as osp
import re
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from numbers import Integral
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import cv2
import numpy as np

from .classes import (CLASSES, DEFAULT_CITIES, IGNORE_INDEX,
                      LABEL_ID_TO_TRAIN_ID)
from .scene import _check_size, render_scene

SPLITS = ('train', 'val')
MANIFEST_NAME = 'street_scenes.json'
#: The folders a dataset consists of (besides the manifest).
GENERATED_DIRS = ('leftImg8bit', 'gtFine')
#: Bumped whenever the drawing changes, so cached datasets are remade.
GENERATOR_VERSION = 1
_FRAME = 19  # Cityscapes gtFine frames are all ``..._000019``
_CITY_RE = re.compile(r'^[a-z][a-z0-9-]*$')


def _image_rng(seed: int, split: str, index: int) -> np.random.Generator:
    # One independent stream per (seed, split, index): images can be made in
    # any order, and seed s + 1 is not seed s shifted by one image.
    return np.random.default_rng((seed, SPLITS.index(split), index))


def _plan(num: int, cities: Sequence[str]) -> List[Tuple[int, str, int]]:
    """``(index, city, seq)`` per image; cities get contiguous blocks."""
    plan = []
    counters = dict.fromkeys(cities, 0)
    for index in range(num):
        city = cities[index * len(cities) // num]
        plan.append((index, city, counters[city]))
        counters[city] += 1
    return plan


def _stem(city: str, seq: int) -> str:
    return f'{city}_{seq:06d}_{_FRAME:06d}'


def _paths(out_dir: str, split: str, city: str, seq: int) -> Dict[str, str]:
    stem = _stem(city, seq)
    img_dir = osp.join(out_dir, 'leftImg8bit', split, city)
    seg_dir = osp.join(out_dir, 'gtFine', split, city)
    return dict(
        img=osp.join(img_dir, f'{stem}_leftImg8bit.png'),
        label_ids=osp.join(seg_dir, f'{stem}_gtFine_labelIds.png'),
        train_ids=osp.join(seg_dir, f'{stem}_gtFine_labelTrainIds.png'))


def _render_jobs(out_dir: str, split: str, jobs: Sequence[Tuple[int, str,
                                                                 int]],
                 size: Tuple[int, int], seed: int) -> np.ndarray:
    """Render and write ``jobs``; returns train-id pixel counts (256,)."""
    counts = np.zeros(256, dtype=np.int64)
    for index, city, seq in jobs:
        img, label_ids = render_scene(_image_rng(seed, split, index), size,
                                      city)
        train_ids = LABEL_ID_TO_TRAIN_ID[label_ids]
        paths = _paths(out_dir, split, city, seq)
        for key, array in (('img', img[..., ::-1]), ('label_ids', label_ids),
                           ('train_ids', train_ids)):
            os.makedirs(osp.dirname(paths[key]), exist_ok=True)
            if not cv2.imwrite(paths[key], np.ascontiguousarray(array)):
                raise OSError(f'Could not write {paths[key]}')
        counts += np.bincount(train_ids.ravel(), minlength=256)
    return counts


def _worker_init() -> None:
    cv2.setNumThreads(1)


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) \
            or value < minimum:
        raise ValueError(f'{name} must be an integer >= {minimum}, '
                         f'got {value!r}')
    return int(value)


def _check_cities(cities) -> Dict[str, Tuple[str, ...]]:
    if cities is None:
        return {k: tuple(v) for k, v in DEFAULT_CITIES.items()}
    if not isinstance(cities, Mapping) or set(cities) != set(SPLITS):
        raise ValueError("cities must be a mapping with exactly the keys "
                         f"'train' and 'val', got {cities!r}")
    out = {}
    for split in SPLITS:
        names = cities[split]
        if isinstance(names, str) or not isinstance(names, Sequence) \
                or not names:
            raise ValueError(f'cities[{split!r}] must be a non-empty list of '
                             f'city names, got {names!r}')
        for name in names:
            if not isinstance(name, str) or not _CITY_RE.match(name):
                raise ValueError(
                    f'Bad city name {name!r} in cities[{split!r}]: use '
                    'lowercase letters, digits and "-" (no "_", which '
                    'separates the parts of Cityscapes file names)')
        if len(set(names)) != len(names):
            raise ValueError(f'cities[{split!r}] has duplicates: {names!r}')
        out[split] = tuple(names)
    return out


def dataset_params(num_train: int = 200,
                   num_val: int = 50,
                   size: Tuple[int, int] = (512, 256),
                   seed: int = 0,
                   cities: Optional[Mapping[str, Sequence[str]]] = None
                   ) -> dict:
    """Check the generation parameters and return them normalised.

    The result is what the manifest stores and what :func:`is_complete`
    compares.

    Args:
        num_train (int): Number of training images (>= 0).
        num_val (int): Number of validation images (>= 0).
        size (tuple[int, int]): ``(width, height)``, both even and >= 16.
        seed (int): Base seed (>= 0).
        cities (dict, optional): ``{'train': [...], 'val': [...]}`` city
            names; defaults to :data:`DEFAULT_CITIES`.

    Returns:
        dict: JSON-friendly parameters.

    Raises:
        ValueError: If any parameter is invalid (the message names it).
    """
    num_train = _check_int('num_train', num_train, 0)
    num_val = _check_int('num_val', num_val, 0)
    if num_train + num_val == 0:
        raise ValueError('num_train and num_val are both 0: nothing to '
                         'generate')
    width, height = _check_size(size)
    seed = _check_int('seed', seed, 0)
    cities = _check_cities(cities)
    return dict(
        version=GENERATOR_VERSION,
        num_train=num_train,
        num_val=num_val,
        size=[width, height],
        seed=seed,
        cities={k: list(v) for k, v in cities.items()})


def expected_files(out_dir: str, params: dict) -> List[str]:
    """All files a complete dataset with ``params`` holds (no manifest).

    Args:
        out_dir (str): Dataset root.
        params (dict): From :func:`dataset_params`.

    Returns:
        list[str]: Image, labelIds and labelTrainIds paths.
    """
    files = []
    for split in SPLITS:
        for _, city, seq in _plan(params[f'num_{split}'],
                                  params['cities'][split]):
            files.extend(_paths(out_dir, split, city, seq).values())
    return files


def read_manifest(out_dir: str) -> Optional[dict]:
    """The manifest in ``out_dir``, or None if missing or unreadable."""
    try:
        with open(osp.join(out_dir, MANIFEST_NAME)) as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def is_complete(out_dir: str, params: dict) -> bool:
    """Whether ``out_dir`` holds a finished dataset made with ``params``.

    Args:
        out_dir (str): Dataset root.
        params (dict): From :func:`dataset_params`.

    Returns:
        bool: True if the manifest matches and every file exists.
    """
    manifest = read_manifest(out_dir)
    if manifest is None or manifest.get('params') != params:
        return False
    return all(osp.isfile(f) for f in expected_files(out_dir, params))


def _pool_context():
    """Multiprocessing context of the worker pool.

    ``fork`` is fastest, but forking a process that has already started
    PyTorch's (OpenMP) thread pool can deadlock the children, which then
    wait forever on a lock held by a thread that no longer exists (seen in
    the test suite). Once torch is imported we therefore ``spawn`` the
    workers (each re-imports this module).
    """
    if 'torch' in sys.modules or 'fork' not in \
            multiprocessing.get_all_start_methods():
        return multiprocessing.get_context('spawn')
    return multiprocessing.get_context('fork')


def generate_street_scenes(out_dir: str,
                           num_train: int = 200,
                           num_val: int = 50,
                           size: Tuple[int, int] = (512, 256),
                           seed: int = 0,
                           cities: Optional[Mapping[str,
                                                    Sequence[str]]] = None,
                           workers: int = 1) -> dict:
    """Generate a street-scene dataset in the Cityscapes layout.

    Existing files with the same names are overwritten; nothing is deleted.
    The manifest ``street_scenes.json`` is removed first and written last,
    so its presence marks a finished dataset.

    Args:
        out_dir (str): Dataset root (created if needed).
        num_train (int): Number of training images. Default: 200.
        num_val (int): Number of validation images. Default: 50.
        size (tuple[int, int]): ``(width, height)`` in pixels, both even and
            >= 16. Default: (512, 256).
        seed (int): Base seed; image ``i`` of a split uses
            ``np.random.default_rng((seed, split, i))``. Default: 0.
        cities (dict, optional): ``{'train': [...], 'val': [...]}``; each
            split's images are spread over its cities in contiguous blocks.
            Default: :data:`DEFAULT_CITIES`.
        workers (int): Worker processes. Default: 1 (in-process).

    Returns:
        dict: Summary with ``out_dir``, ``params``, ``counts`` (images per
        split), ``pixel_counts`` and ``class_fractions`` (per split and
        ``'all'``; keyed by class name, plus ``'void'``; fractions of all
        pixels), ``paths`` (image / label dirs per split, manifest),
        ``seconds`` and ``seconds_per_image``.

    Raises:
        ValueError: If an argument is invalid (the message names it).
    """
    if not isinstance(out_dir, (str, os.PathLike)) or not str(out_dir):
        raise ValueError(f'out_dir must be a path, got {out_dir!r}')
    params = dataset_params(num_train, num_val, size, seed, cities)
    workers = _check_int('workers', workers, 1)
    out_dir = os.fspath(out_dir)
    if osp.lexists(out_dir) and not osp.isdir(out_dir):
        raise ValueError(f'out_dir {out_dir} exists and is not a folder')
    # What this call creates is removed again if it fails, so a failed or
    # interrupted run leaves no partial dataset behind.
    created = [
        path for path in (out_dir, ) + tuple(
            osp.join(out_dir, d) for d in GENERATED_DIRS)
        if not osp.lexists(path)
    ]
    os.makedirs(out_dir, exist_ok=True)
    manifest_path = osp.join(out_dir, MANIFEST_NAME)
    if osp.exists(manifest_path):
        os.remove(manifest_path)
    try:
        summary = _generate(out_dir, params, workers, manifest_path)
    except BaseException:
        for path in reversed(created):
            shutil.rmtree(path, ignore_errors=True)
        raise
    return summary


def _generate(out_dir: str, params: dict, workers: int,
              manifest_path: str) -> dict:
    """Render every image of ``params`` into ``out_dir``, then write the
    manifest; returns the summary of :func:`generate_street_scenes`."""
    seed = params['seed']

    size = tuple(params['size'])
    tasks = []  # (split, jobs)
    chunk = 4
    for split in SPLITS:
        plan = _plan(params[f'num_{split}'], params['cities'][split])
        for i in range(0, len(plan), chunk):
            tasks.append((split, plan[i:i + chunk]))

    start = time.perf_counter()
    counts = {split: np.zeros(256, dtype=np.int64) for split in SPLITS}
    if workers == 1 or len(tasks) == 1:
        for split, jobs in tasks:
            counts[split] += _render_jobs(out_dir, split, jobs, size, seed)
    else:
        with ProcessPoolExecutor(min(workers, len(tasks)),
                                 mp_context=_pool_context(),
                                 initializer=_worker_init) as pool:
            futures = [(split, pool.submit(_render_jobs, out_dir, split,
                                           jobs, size, seed))
                       for split, jobs in tasks]
            for split, future in futures:
                counts[split] += future.result()
    seconds = time.perf_counter() - start

    counts['all'] = counts['train'] + counts['val']
    pixel_counts, fractions = {}, {}
    for key, c in counts.items():
        named = {name: int(c[i]) for i, name in enumerate(CLASSES)}
        named['void'] = int(c[IGNORE_INDEX])
        total = max(1, sum(named.values()))
        pixel_counts[key] = named
        fractions[key] = {k: v / total for k, v in named.items()}
    n_images = params['num_train'] + params['num_val']
    summary = dict(
        out_dir=out_dir,
        params=params,
        counts={split: params[f'num_{split}'] for split in SPLITS},
        pixel_counts=pixel_counts,
        class_fractions=fractions,
        paths=dict(
            manifest=manifest_path,
            **{split: dict(img_dir=osp.join(out_dir, 'leftImg8bit', split),
                           seg_map_dir=osp.join(out_dir, 'gtFine', split))
               for split in SPLITS}),
        seconds=seconds,
        seconds_per_image=seconds / n_images,
        workers=workers)
    manifest = {k: summary[k] for k in ('params', 'counts', 'pixel_counts',
                                         'class_fractions')}
    manifest['generator'] = 'mmseg_efficient.datasets.street_scenes'
    tmp = manifest_path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(manifest, f, indent=2)
    os.replace(tmp, manifest_path)
    return summary


def format_class_table(fractions: Mapping[str, Mapping[str, float]]) -> str:
    """A text table of class pixel fractions (in %), one column per key.

    Args:
        fractions (dict): ``{column: {class or 'void': fraction}}``, e.g.
            ``summary['class_fractions']``.

    Returns:
        str: The table.
    """
    cols = list(fractions)
    rows = [f'{"class":<15}' + ''.join(f'{c:>10}' for c in cols)]
    for name in CLASSES + ('void', ):
        rows.append(f'{name:<15}' + ''.join(
            f'{100 * fractions[c].get(name, 0.0):>9.2f}%' for c in cols))
    return '\n'.join(rows)
