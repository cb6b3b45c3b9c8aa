# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Config loading shared by the tools (``mmseg::`` paths, clear errors)."""
import os.path as osp
from typing import Optional

from mmengine.config import Config


def resolve_config_path(path: str) -> str:
    """Resolve a config path, accepting mmengine's ``package::rel/path.py``.

    ``mmseg::erfnet/erfnet_fcn_4xb4-160k_cityscapes-512x1024.py`` resolves to
    the copy mmseg installs under ``mmseg/.mim/configs``, exactly as mmengine
    resolves ``_base_`` entries of that form.

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
    if not osp.isfile(resolved):
        raise FileNotFoundError(f'Config file not found: {path}' + (
            f' (resolved to {resolved})' if resolved != path else ''))
    return resolved


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Load a config (``package::`` paths allowed) and merge CLI options.

    Importing the config's ``custom_imports`` registers mmseg_efficient.
    """
    cfg = Config.fromfile(resolve_config_path(path))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def check_data_roots(cfg: Config, config_path: str = '<config>',
                     loaders=('train_dataloader', 'val_dataloader',
                              'test_dataloader')) -> None:
    """Fail early, naming the key, when a dataloader's ``data_root`` is
    missing (mmseg only fails once the dataset is built, deep in the
    Runner).

    Raises:
        FileNotFoundError: Naming the config, the key and the directory.
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
