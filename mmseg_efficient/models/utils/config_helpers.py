# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Config helpers that building a model needs (a distillation teacher is
built from a config file) and the tools share. They live with the models,
below ``mmseg_efficient.utils``, which re-exports them: ``utils`` may import
``models``, never the other way round."""
import os
import os.path as osp


def package_config_root() -> str:
    """The folder of mmseg_efficient's own configs: ``mmseg_efficient/.mim/
    configs`` of an installed package, else the source tree's ``configs``."""
    # this file: mmseg_efficient/models/utils/config_helpers.py
    package = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
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


def drop_class_weight_files(node) -> None:
    """Set to None, in place, every loss ``class_weight`` given as a file
    path in a (model) config: such a file is read when the loss is built,
    and a model built only to run (analysis, a distillation teacher) needs
    no loss, so it needs no dataset files.

    Args:
        node (dict | list | Any): A config node (``ConfigDict`` is fine).
    """
    if isinstance(node, dict):
        if isinstance(node.get('class_weight'), str):
            node['class_weight'] = None
        for value in node.values():
            drop_class_weight_files(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            drop_class_weight_files(value)
