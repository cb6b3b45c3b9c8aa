# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The weights a run starts from, checked before anything is built.

A config names the weights it starts from in ``load_from``, in a
``Pretrained`` ``init_cfg`` (``model.backbone.init_cfg.checkpoint``), in
``model.pretrained`` or, for distillation, in ``model.teacher_checkpoint``.
Chained stages point at another run's work dir
(``work_dirs/<previous config>/iter_300.pth``) and some configs at a URL.
:func:`check_start_checkpoints` (called by ``tools/train.py`` before the
Runner, so before any process group) turns what would fail later, deep in
mmengine and on every rank, into one error that says what to do:

* a missing local file: the config key to override, the config of the
  previous stage that writes it, and the checkpoints that folder does hold;
* ``.../last_checkpoint`` (mmengine's marker of a work dir) means that run's
  latest checkpoint, and is replaced by it;
* a URL that is neither in mmengine's download cache nor reachable: the key,
  the URL, the cache file to put it in, and how to point at a local file or
  run without it.
"""
import os
import os.path as osp
import urllib.error
import urllib.request
from typing import Iterator, List, Optional, Tuple

from mmengine.logging import print_log

from .checkpoint import list_checkpoints

__all__ = [
    'StageCheckpointError', 'OfflineWeightsError', 'check_start_checkpoints',
    'resolve_latest_checkpoint', 'start_checkpoint_refs'
]

#: The file name that means "the latest checkpoint of that work dir".
LATEST = 'last_checkpoint'
#: Seconds to wait for a weights URL to answer (override:
#: ``MMSEG_EFFICIENT_URL_TIMEOUT``).
URL_TIMEOUT = 10.0


class StageCheckpointError(FileNotFoundError):
    """A checkpoint the run starts from (another stage's) does not exist."""


class OfflineWeightsError(RuntimeError):
    """A weights URL can neither be found in the cache nor fetched."""


def _is_url(path: str) -> bool:
    return path.startswith(('http://', 'https://'))


def start_checkpoint_refs(cfg) -> Iterator[Tuple[str, str]]:
    """``(key, value)`` of every checkpoint a training run starts from:
    ``load_from``, ``model.pretrained``, ``model.teacher_checkpoint`` and the
    ``checkpoint`` of every ``Pretrained`` init under ``model``."""
    load_from = cfg.get('load_from')
    if isinstance(load_from, str):
        yield 'load_from', load_from

    def walk(node, key):
        if isinstance(node, dict):
            if node.get('type') == 'Pretrained' and isinstance(
                    node.get('checkpoint'), str):
                yield f'{key}.checkpoint', node['checkpoint']
            for name, value in node.items():
                if name in ('pretrained', 'teacher_checkpoint') and \
                        isinstance(value, str):
                    yield f'{key}.{name}', value
                elif isinstance(value, (dict, list, tuple)):
                    yield from walk(value, f'{key}.{name}')
        elif isinstance(node, (list, tuple)):
            for i, value in enumerate(node):
                yield from walk(value, f'{key}.{i}')

    yield from walk(cfg.get('model', {}), 'model')


def _set(cfg, key: str, value) -> None:
    *parents, last = key.split('.')
    node = cfg
    for name in parents:
        node = node[int(name)] if isinstance(node, (list, tuple)) else \
            node[name]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def _previous_stage(path: str) -> Tuple[str, Optional[str]]:
    """The work dir ``path`` lies in and the config that writes it (by the
    ``work_dirs/<config name>/`` convention of ``tools/train.py``)."""
    from ..models.utils.config_helpers import (_find_config_by_name,
                                               package_config_root)
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


def _torch_home() -> str:
    try:  # where mmengine's load_from_http caches downloads
        from mmengine.utils.dl_utils.hub import _get_torch_home
        return _get_torch_home()
    except ImportError:  # pragma: no cover - older mmengine
        return osp.expanduser(
            os.getenv('TORCH_HOME',
                      osp.join(os.getenv('XDG_CACHE_HOME', '~/.cache'),
                               'torch')))


def url_cache_file(url: str) -> str:
    """Where mmengine looks for (and downloads) the weights at ``url``."""
    from urllib.parse import urlparse
    return osp.join(_torch_home(), 'checkpoints',
                    osp.basename(urlparse(url).path))


def _without(key: str) -> str:
    if key.endswith('.init_cfg.checkpoint'):
        return key[:-len('.checkpoint')] + '=None'
    if '.init_cfg.' in key:  # a list of init_cfgs: drop that entry
        return key.rsplit('.', 1)[0] + '=None'
    return key + '=None'


def _check_url(key: str, url: str, timeout: float) -> None:
    cached = url_cache_file(url)
    if osp.isfile(cached):
        return
    try:
        request = urllib.request.Request(url, method='HEAD')
        with urllib.request.urlopen(request, timeout=timeout):
            return
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, 'reason', err)
    without = '' if key.endswith('teacher_checkpoint') else (
        f', or train without these weights: --cfg-options {_without(key)}')
    raise OfflineWeightsError(
        f'{key}={url!r} cannot be fetched ({reason}) and is not in the '
        f'download cache ({cached}). Download it there on a machine that '
        f'is online, or point at a local copy: --cfg-options {key}='
        f'/path/to/{osp.basename(cached)}{without}.')


def check_start_checkpoints(cfg, url_timeout: Optional[float] = None,
                            logger='current') -> List[str]:
    """Check (and resolve) every checkpoint the run described by ``cfg``
    starts from; see the module docstring. ``cfg`` is changed in place where
    a ``last_checkpoint`` is replaced by the checkpoint it means.

    Args:
        cfg (Config): The training config.
        url_timeout (float, optional): Seconds to wait for a URL; default
            ``MMSEG_EFFICIENT_URL_TIMEOUT`` or 10.

    Returns:
        list[str]: The keys whose value was resolved.

    Raises:
        StageCheckpointError: A local checkpoint does not exist.
        OfflineWeightsError: A URL can neither be fetched nor found in the
            cache.
    """
    if url_timeout is None:
        url_timeout = float(
            os.getenv('MMSEG_EFFICIENT_URL_TIMEOUT', URL_TIMEOUT))
    resolved = []
    for key, path in list(start_checkpoint_refs(cfg)):
        if _is_url(path):
            _check_url(key, path, url_timeout)
            continue
        if '://' in path:  # open-mmlab://, torchvision://: mmengine's
            continue
        target = resolve_latest_checkpoint(path, key)
        if target != path:
            print_log(f'{key}: {path} is that run\'s latest checkpoint, '
                      f'{target}', logger=logger)
            _set(cfg, key, target)
            resolved.append(key)
        elif not osp.isfile(path):
            raise StageCheckpointError(
                _missing_message(key, path, 'no such file'))
    return resolved
