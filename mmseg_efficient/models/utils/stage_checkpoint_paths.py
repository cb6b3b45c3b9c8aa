# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Checkpoint paths of chained stages, resolved where models load them.

``<work_dir>/last_checkpoint`` (mmengine's marker of a work dir) means that
run's latest checkpoint: :func:`resolve_latest_checkpoint` turns it into the
file, for the strict ``Pretrained`` init, the distillation teacher and
``tools/train.py`` (:mod:`mmseg_efficient.utils.stage_checkpoints`, which
re-exports these). A missing one is a :class:`StageCheckpointError` naming
the config key, the previous stage's config and what its folder holds.
They live with the models so that ``models`` never imports ``utils``.
"""
import os.path as osp
from typing import Optional, Tuple

from .checkpoint_loading import list_checkpoints

__all__ = ['LATEST', 'StageCheckpointError', 'resolve_latest_checkpoint']

#: The file name that means "the latest checkpoint of that work dir".
LATEST = 'last_checkpoint'


class StageCheckpointError(FileNotFoundError):
    """A checkpoint the run starts from (another stage's) does not exist."""


def _is_url(path: str) -> bool:
    return path.startswith(('http://', 'https://'))


def _previous_stage(path: str) -> Tuple[str, Optional[str]]:
    """The work dir ``path`` lies in and the config that writes it (by the
    ``work_dirs/<config name>/`` convention of ``tools/train.py``)."""
    from .config_helpers import _find_config_by_name, package_config_root
    folder = osp.dirname(path) or '.'
    found = _find_config_by_name(osp.basename(osp.normpath(folder)) + '.py')
    if len(found) != 1:
        return folder, None
    config = found[0]
    root = package_config_root()
    rel = osp.relpath(config, osp.dirname(root))
    return folder, rel if not rel.startswith('..') else config


def _holds(folder: str) -> str:
    found = [osp.basename(p) for p in list_checkpoints(folder)]
    if not osp.isdir(folder):
        return f'{folder} does not exist'
    if not found:
        return f'{folder} holds no iter_*.pth / epoch_*.pth'
    shown = ', '.join(found[:6]) + (
        f' (+{len(found) - 6} more)' if len(found) > 6 else '')
    return f'{folder} holds {shown}'


def _missing_message(key: str, path: str, what: str) -> str:
    folder, config = _previous_stage(path)
    found = list_checkpoints(folder)
    msg = f'{key}={path!r}: {what}.'
    if config is not None:
        msg += (f' It is written by the previous stage, {config}: train '
                f'that first (python tools/train.py {config}), or point at '
                'a checkpoint that exists:')
    else:
        msg += ' Point at a checkpoint that exists:'
    msg += f' --cfg-options {key}='
    if found:
        msg += f'{found[0]}'
    else:
        msg += 'PATH'
    msg += f'. {_holds(folder)}'
    if found:
        msg += (f'; {osp.join(folder, LATEST)} always means its latest '
                'checkpoint')
    return msg + '.'


def resolve_latest_checkpoint(path: str, key: str = 'checkpoint') -> str:
    """``path`` itself, or, when it is a work dir's ``last_checkpoint``, the
    checkpoint it names (found by name when the work dir moved), else the
    newest ``iter_*.pth`` / ``epoch_*.pth`` beside it.

    Args:
        path (str): A checkpoint path or ``<work_dir>/last_checkpoint``.
        key (str): The config key ``path`` came from, for the error.

    Raises:
        StageCheckpointError: ``path`` is a ``last_checkpoint`` of a work
            dir that holds no checkpoint.
    """
    if _is_url(path) or osp.basename(path) != LATEST:
        return path
    folder = osp.dirname(path) or '.'
    if osp.isfile(path):
        with open(path) as f:
            target = f.read().strip()
        if target and not osp.isfile(target):
            target = osp.join(folder, osp.basename(target))
        if target and osp.isfile(target):
            return target
    found = list_checkpoints(folder)
    if found:
        return found[0]
    raise StageCheckpointError(
        _missing_message(key, path, 'that run has written no checkpoint'))
