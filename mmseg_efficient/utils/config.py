# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Config loading shared by the tools (``mmseg::`` paths, clear errors)."""
import os
import os.path as osp
from typing import Optional

from mmengine.config import Config


def package_config_root() -> str:
    """The folder of mmseg_efficient's own configs: ``mmseg_efficient/.mim/
    configs`` of an installed package, else the source tree's ``configs``."""
    package = osp.dirname(osp.dirname(osp.abspath(__file__)))
    installed = osp.join(package, '.mim', 'configs')
    if osp.isdir(installed):
        return installed
    return osp.join(osp.dirname(package), 'configs')


def _find_config_by_name(name: str) -> list:
    root = package_config_root()
    found = []
    for dirpath, _, files in os.walk(root, followlinks=True):
        if name in files:
            found.append(osp.join(dirpath, name))
    return sorted(found)


def resolve_config_path(path: str) -> str:
    """Resolve a config path, accepting mmengine's ``package::rel/path.py``.

    ``mmseg::erfnet/erfnet_fcn_4xb4-160k_cityscapes-512x1024.py`` resolves to
    the copy mmseg installs under ``mmseg/.mim/configs``, exactly as mmengine
    resolves ``_base_`` entries of that form. A bare file name that is not a
    file here (``essnet-d_ups_1xb4-600i_streetscenes-128x256.py``, as
    ``mim run mmseg_efficient get_flops NAME`` passes it) is looked up among
    mmseg_efficient's own configs, as ``mim train`` does.

    Args:
        path (str): A file path or ``package::relative/path.py``.

    Raises:
        FileNotFoundError: Naming the path when it does not exist.
    """
    if '::' in path:
        from mmengine.config.utils import _get_package_and_cfg_path
        from mmengine.utils import get_installed_path
        package, rel = _get_package_and_cfg_path(path)
        resolved = osp.join(
            get_installed_path(package), '.mim', 'configs', rel)
    else:
        resolved = path
        if not osp.exists(path) and osp.basename(path) == path:
            found = _find_config_by_name(path)
            if len(found) == 1:
                resolved = found[0]
    if not osp.isfile(resolved):
        raise FileNotFoundError(f'Config file not found: {path}' + (
            f' (resolved to {resolved})' if resolved != path else ''))
    return resolved


class UnknownConfigKeyError(KeyError):
    """A ``--cfg-options`` key whose top level the config does not have."""

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


def check_cfg_options(cfg: Config, cfg_options: dict,
                      config_path: str = '<config>') -> None:
    """Check ``--cfg-options`` against the config before they are merged.

    Raises:
        UnknownConfigKeyError: A key whose top level (``trian_cfg`` in
            ``trian_cfg.max_iters=2``) is neither in the config nor a key the
            Runner reads; the message suggests the nearest existing key.

    Warns:
        ConfigOverrideWarning: ``train_cfg.max_iters`` is overridden but an
            iteration-based ``param_scheduler`` still ends at the old value.
    """
    import difflib
    import warnings
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
    new_iters = cfg_options.get('train_cfg.max_iters')
    if new_iters is None or any(
            k.startswith('param_scheduler') for k in cfg_options):
        return
    old_iters = cfg.get('train_cfg', {}).get('max_iters')
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    for i, sched in enumerate(schedulers):
        end = sched.get('end')
        if (sched.get('by_epoch', True) is False and end is not None
                and end != new_iters and end == old_iters):
            warnings.warn(
                f'--cfg-options train_cfg.max_iters={new_iters}: '
                f'param_scheduler[{i}] ({sched.get("type")}) still ends at '
                f'iteration {end} (the config\'s max_iters), so its '
                'schedule is not rescaled. Also pass '
                f'param_scheduler.{i}.end={new_iters} if it should end with '
                'training.',
                ConfigOverrideWarning,
                stacklevel=3)


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Load a config (``package::`` paths allowed) and merge CLI options
    (checked with :func:`check_cfg_options`).

    Importing the config's ``custom_imports`` registers mmseg_efficient.
    """
    cfg = Config.fromfile(resolve_config_path(path))
    if cfg_options:
        check_cfg_options(cfg, cfg_options, path)
        cfg.merge_from_dict(cfg_options)
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
