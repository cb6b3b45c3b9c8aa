# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Config loading shared by the tools (``mmseg::`` paths, clear errors)."""
import os
import os.path as osp
from typing import Optional

from mmengine.config import Config, DictAction

from ..models.utils.config_helpers import resolve_config_path


class UnknownConfigKeyError(KeyError):
    """A ``--cfg-options`` key the config, or the dict it goes into, does
    not take."""

    def __str__(self):  # KeyError would print the message quoted
        return str(self.args[0]) if self.args else ''


class ConfigOverrideWarning(UserWarning):
    """A ``--cfg-options`` override that leaves a related setting behind."""


class DataRootError(FileNotFoundError):
    """A dataset folder is missing or has nothing the dataset can read."""


#: Top-level keys mmengine's Runner reads that a config may omit.
def _runner_keys() -> set:
    import inspect

    from mmengine.runner import Runner
    keys = set(inspect.signature(Runner.__init__).parameters) - {'self'}
    return keys | {
        'runner_type', 'model_wrapper_cfg', 'compile', 'gpu_ids',
        'tta_model', 'tta_pipeline', 'strategy'
    }


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction`` (``--cfg-options k=v ...``) that keeps the
    blanks inside a value.

    ``DictAction`` deletes every blank of a value, so
    ``data_root="/a/with space/data"`` became ``/a/withspace/data``. Here
    blanks are only stripped around a value and around the items of a
    ``[...]`` / ``(...)`` / comma-separated list; numbers, ``True`` /
    ``False`` / ``None`` and lists parse as before.
    """

    @staticmethod
    def _split_items(text: str) -> list:
        """Split on the commas outside brackets."""
        items, depth, start = [], 0, 0
        for i, char in enumerate(text):
            if char in '([':
                depth += 1
            elif char in ')]':
                depth -= 1
            elif char == ',' and depth == 0:
                items.append(text[start:i])
                start = i + 1
        items.append(text[start:])
        return items

    @staticmethod
    def _parse_iterable(val: str):
        val = val.strip().strip('\'"').strip()
        if val.count('(') != val.count(')') or \
                val.count('[') != val.count(']'):
            raise ValueError(f'Imbalanced brackets in {val!r}')
        as_tuple = val.startswith('(') and val.endswith(')')
        if as_tuple or (val.startswith('[') and val.endswith(']')):
            inner = val[1:-1].strip()
        elif ',' in val:
            inner = val
        else:
            return DictAction._parse_int_float_bool(val)
        items = [CfgOptionsAction._parse_iterable(item)
                 for item in CfgOptionsAction._split_items(inner)
                 if item.strip()] if inner else []
        return tuple(items) if as_tuple else items


def check_cfg_options(cfg: Config, cfg_options: dict,
                      config_path: str = '<config>') -> dict:
    """Check ``--cfg-options`` against the config before they are merged.

    Returns:
        dict: The options to merge: those given, except that a key a
        dataset wrapper does not take but the dataset it wraps does
        (``train_dataloader.dataset.data_root`` on EfficientSeg's
        ``RareClassOversampledDataset``) is moved to the wrapped dataset,
        with a :class:`ConfigOverrideWarning` saying so.

    Raises:
        UnknownConfigKeyError: A key whose top level (``trian_cfg`` in
            ``trian_cfg.max_iters=2``) is neither in the config nor a key the
            Runner reads, or a nested key new to its dict that the dict's
            target does not take (``default_hooks.checkpoint.intervl``: not
            an argument of ``CheckpointHook``; ``model.test_cfg.mdoe``: not
            a key mmseg reads); see :mod:`mmseg_efficient.utils.config_keys`.
            The message suggests the nearest existing key.
    """
    import difflib
    import warnings

    from .config_keys import check_nested_keys
    known = set(cfg.keys()) | _runner_keys()
    for key in cfg_options:
        top = key.split('.')[0]
        if top in known:
            continue
        close = difflib.get_close_matches(top, sorted(known), n=1)
        hint = (f" Did you mean '{close[0]}{key[len(top):]}'?"
                if close else '')
        raise UnknownConfigKeyError(
            f"--cfg-options {key}: the config {config_path} has no key "
            f"'{top}' (an override would add it and be ignored).{hint}")
    options, notes = check_nested_keys(cfg, cfg_options, config_path,
                                       UnknownConfigKeyError)
    for note in notes:
        warnings.warn(note, ConfigOverrideWarning, stacklevel=3)
    return options


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def check_schedule_bounds(cfg: Config, old_cfg: dict,
                          cfg_options: dict) -> None:
    """Warn when ``--cfg-options`` leave a ``param_scheduler`` reaching
    past the end of training.

    Runs when an option touches ``train_cfg`` or ``param_scheduler``. For
    each scheduler, in its unit (iterations unless ``by_epoch``; epochs
    against ``train_cfg.max_epochs``): ``begin`` at or after the end (it
    never starts), ``end`` after it (it is cut short), a ``milestones``
    entry at or after it (that step never happens).

    Args:
        cfg (Config): The merged config.
        old_cfg (dict): ``train_cfg`` of the config before the merge.
        cfg_options (dict): The options merged.

    Warns:
        ConfigOverrideWarning: Naming the scheduler (index and type), the
            value and the option that fixes it.
    """
    import warnings
    if not any(k.split('.')[0] in ('train_cfg', 'param_scheduler')
               for k in cfg_options):
        return
    train_cfg = cfg.get('train_cfg') or {}
    for i, sched in enumerate(_as_list(cfg.get('param_scheduler'))):
        if not isinstance(sched, dict):
            continue
        by_epoch = sched.get('by_epoch', True)
        unit = 'epoch' if by_epoch else 'iteration'
        limit_key = 'max_epochs' if by_epoch else 'max_iters'
        limit = train_cfg.get(limit_key)
        if not isinstance(limit, int):
            continue
        name = f'param_scheduler[{i}] ({sched.get("type")})'
        problems = []
        begin, end = sched.get('begin'), sched.get('end')
        if isinstance(begin, (int, float)) and begin >= limit:
            problems.append(
                (f'begins at {unit} {begin}, when training is over, so it '
                 'never acts', f'param_scheduler.{i}.begin'))
        old_limit = (old_cfg or {}).get(limit_key)
        left_behind = (end == old_limit != limit
                       and f'train_cfg.{limit_key}' in cfg_options)
        if isinstance(end, (int, float)) and (end > limit or left_behind):
            was = f' (the config\'s {limit_key})' if end == old_limit else ''
            when = 'after' if end > limit else 'before'
            problems.append(
                (f'still ends at {unit} {end}{was}, {when} training ends at '
                 f'{limit}, so its schedule is not rescaled',
                 f'param_scheduler.{i}.end={limit}'))
        late = [m for m in _as_list(sched.get('milestones'))
                if isinstance(m, (int, float)) and m >= limit]
        if late:
            scaled = '...'
            if isinstance(old_limit, int) and old_limit > limit:
                scaled = ', '.join(
                    str(int(m * limit // old_limit))
                    for m in _as_list(sched.get('milestones')))
            problems.append(
                (f'has milestone(s) {late} at or after the last {unit} '
                 f'({limit}), so those steps never happen',
                 f'param_scheduler.{i}.milestones=[{scaled}]'))
        for what, fix in problems:
            warnings.warn(
                f'--cfg-options: train_cfg.{limit_key}={limit}: {name} '
                f'{what}. Also pass {fix} if it should act within '
                'training.',
                ConfigOverrideWarning,
                stacklevel=3)


def fix_persistent_workers(cfg: Config) -> None:
    """``persistent_workers=True`` with ``num_workers=0`` makes torch's
    ``DataLoader`` raise ``persistent_workers option needs num_workers >
    0``: set it to False, with a :class:`ConfigOverrideWarning` naming the
    keys."""
    import warnings
    for key in list(cfg.keys()):
        loader = cfg.get(key)
        if not (key.endswith('_dataloader') and isinstance(loader, dict)):
            continue
        if loader.get('persistent_workers') and not loader.get(
                'num_workers', 0):
            loader['persistent_workers'] = False
            warnings.warn(
                f'{key}.num_workers={loader.get("num_workers", 0)}: '
                f'{key}.persistent_workers=True needs worker processes '
                '(torch refuses it), so it is set to False.',
                ConfigOverrideWarning,
                stacklevel=3)


def check_class_weight_files(cfg: Config, config_path: str = '<config>',
                             node=None, path: str = '') -> None:
    """Every ``class_weight`` that names a file (in ``model`` and
    ``tta_model``) has a type read without running code and, if it exists,
    holds a flat list of numbers (see
    :func:`~mmseg_efficient.datasets.class_weights.load_class_weight_file`).
    A missing file is left to the model build, which names it.

    Raises:
        ClassWeightFileError: Naming the key (``model.decode_head.
            loss_decode.class_weight``) and the file.
    """
    from mmseg_efficient.datasets.class_weights import (
        CLASS_WEIGHT_SUFFIXES, ClassWeightFileError, load_class_weight_file)
    if node is None:
        for key in ('model', 'tta_model'):
            if isinstance(cfg.get(key), dict):
                check_class_weight_files(cfg, config_path, cfg[key], key)
        return
    items = (node.items() if isinstance(node, dict) else enumerate(node)
             if isinstance(node, (list, tuple)) else ())
    for name, value in items:
        key = f'{path}.{name}'
        if name == 'class_weight' and isinstance(value, str):
            suffix = osp.splitext(value)[1].lower()
            if suffix not in CLASS_WEIGHT_SUFFIXES or osp.isfile(value):
                try:
                    load_class_weight_file(value, key)
                except ClassWeightFileError as err:
                    raise ClassWeightFileError(
                        f'config {config_path}: {err}') from None
        elif isinstance(value, (dict, list, tuple)):
            check_class_weight_files(cfg, config_path, value, key)


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Load a config (``package::`` paths allowed) and merge CLI options
    (checked with :func:`check_cfg_options` and
    :func:`check_schedule_bounds`); then :func:`fix_persistent_workers`
    and :func:`check_class_weight_files`.

    Importing the config's ``custom_imports`` registers mmseg_efficient.
    """
    import copy
    cfg = Config.fromfile(resolve_config_path(path))
    if cfg_options:
        options = check_cfg_options(cfg, cfg_options, path)
        old_train_cfg = copy.deepcopy(cfg.get('train_cfg'))
        cfg.merge_from_dict(options)
        check_schedule_bounds(cfg, old_train_cfg, options)
    fix_persistent_workers(cfg)
    check_class_weight_files(cfg, path)
    return cfg


def _dataset_defaults(ds_type) -> dict:
    """``img_suffix``, ``seg_map_suffix`` and ``data_prefix`` defaults of a
    registered dataset class (walking its base classes)."""
    import inspect

    from mmseg.registry import DATASETS
    cls = DATASETS.get(ds_type) if isinstance(ds_type, str) else ds_type
    defaults = {}
    for klass in getattr(cls, '__mro__', ()):
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        for name, param in inspect.signature(init).parameters.items():
            if name in ('img_suffix', 'seg_map_suffix', 'data_prefix',
                        'ann_file') and name not in defaults and \
                    param.default is not inspect.Parameter.empty:
                defaults[name] = param.default
    return defaults if cls is not None else {}


def _list_files(folder: str) -> list:
    out = []
    for root, _, files in os.walk(folder, followlinks=True):
        rel = osp.relpath(root, folder)
        out += [f if rel == '.' else osp.join(rel, f) for f in files]
    return sorted(out)


def _check_dataset_files(ds: dict, key: str) -> None:
    """Images (with the dataset's suffix) and their labels exist."""
    if 'dataset' in ds:  # RepeatDataset, ClassBalancedDataset, ...
        _check_dataset_files(ds['dataset'], f'{key}.dataset')
        return
    if 'datasets' in ds:  # ConcatDataset
        for i, sub in enumerate(ds['datasets']):
            _check_dataset_files(sub, f'{key}.datasets.{i}')
        return
    defaults = _dataset_defaults(ds.get('type'))
    if not defaults:
        return
    root = ds.get('data_root') or ''
    prefix = dict(defaults.get('data_prefix') or {})
    prefix.update(ds.get('data_prefix') or {})
    img_suffix = ds.get('img_suffix', defaults.get('img_suffix', ''))
    seg_suffix = ds.get('seg_map_suffix', defaults.get('seg_map_suffix', ''))

    def folder(name):
        rel = prefix.get(name)
        return None if rel is None else osp.join(root, rel)

    img_dir, seg_dir = folder('img_path'), folder('seg_map_path')
    where = f'{key}.data_root={root!r}, {key}.data_prefix'
    if img_dir is None or not osp.isdir(img_dir):
        raise DataRootError(
            f'{where}.img_path={prefix.get("img_path")!r}: the image folder '
            f'{img_dir} does not exist')
    if seg_dir is not None and not osp.isdir(seg_dir):
        raise DataRootError(
            f'{where}.seg_map_path={prefix.get("seg_map_path")!r}: the label '
            f'folder {seg_dir} does not exist')
    ann_file = ds.get('ann_file') or ''
    if ann_file:
        ann_path = osp.join(root, ann_file)
        if not osp.isfile(ann_path):
            raise DataRootError(f'{key}.ann_file={ann_file!r}: {ann_path} '
                                'does not exist')
        with open(ann_path) as f:
            images = [line.strip() + img_suffix for line in f if
                      line.strip()]
        absent = [i for i in images if not osp.isfile(osp.join(img_dir, i))]
        if absent:
            raise DataRootError(
                f'{key}.ann_file={ann_file!r} lists {len(absent)} image(s) '
                f'missing from {img_dir} (suffix {img_suffix!r}), e.g. '
                f'{osp.join(img_dir, absent[0])}')
    else:
        files = _list_files(img_dir)
        images = [f for f in files if f.endswith(img_suffix)]
        if not images:
            found = ('the folder is empty' if not files else
                     f'it holds {len(files)} other file(s), e.g. '
                     f'{files[0]!r}; set {key}.img_suffix if the images are '
                     'named differently')
            raise DataRootError(
                f'{where}.img_path={prefix.get("img_path")!r}: no image '
                f'ending in {img_suffix!r} under {img_dir} ({found})')
    if seg_dir is None:
        return
    labels = set(_list_files(seg_dir))
    stems = [i[:len(i) - len(img_suffix)] for i in images]
    unlabelled = [s for s in stems if s + seg_suffix not in labels]
    if unlabelled:
        first = unlabelled[0]
        raise DataRootError(
            f'{len(unlabelled)} of {len(images)} images under {img_dir} have '
            f'no label file ({where}.seg_map_path='
            f'{prefix.get("seg_map_path")!r}, seg_map_suffix '
            f'{seg_suffix!r}): e.g. {osp.join(img_dir, first + img_suffix)} '
            f'has no {osp.join(seg_dir, first + seg_suffix)}')


def check_data_roots(cfg: Config, config_path: str = '<config>',
                     loaders=('train_dataloader', 'val_dataloader',
                              'test_dataloader')) -> None:
    """Fail early, naming the config key, when a dataloader has nothing to
    read (mmseg only fails once the dataset is built, deep in the Runner,
    with ``need at least one array to concatenate``, or at the first
    validation for a missing label).

    For each of ``loaders`` (those the run will use): ``data_root`` exists;
    the image and label folders (``data_prefix``) exist; the image folder
    holds files with the dataset's ``img_suffix``; every image has its label
    (``seg_map_suffix``).

    Raises:
        FileNotFoundError: (:class:`DataRootError` for all but a missing
            ``data_root``) naming the key, the folder and the suffix.
    """
    for key in loaders:
        loader = cfg.get(key)
        if not loader or 'dataset' not in loader:
            continue
        # dataset wrappers (e.g. RareClassOversampledDataset) nest the
        # dataset that has the data_root
        dataset, path = loader['dataset'], f'{key}.dataset'
        while 'data_root' not in dataset and isinstance(
                dataset.get('dataset'), dict):
            dataset, path = dataset['dataset'], f'{path}.dataset'
        root = dataset.get('data_root')
        if root and not osp.isdir(root):
            hint = ''
            if 'street_scenes' in str(root):
                hint = (' Generate the built-in street scenes with: python '
                        f'tools/misc/generate_street_data.py --out {root}')
            raise FileNotFoundError(
                f'{path}.data_root={root!r} (config {config_path}) '
                f'does not exist.{hint}')
        _check_dataset_files(loader['dataset'], f'{key}.dataset')


def shutdown_distributed() -> None:
    """Destroy the default process group, if any, once every rank is done.

    mmengine never destroys it; with gloo the interpreter then tears the
    process group's threads down at exit, which sometimes aborts a rank
    ("terminate called without an active exception", SIGABRT) after a
    successful run, so torchrun reports the job as failed.
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
