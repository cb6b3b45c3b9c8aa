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
