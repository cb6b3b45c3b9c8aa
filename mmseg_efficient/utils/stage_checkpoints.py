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

from ..models.utils.stage_checkpoint_paths import (StageCheckpointError,
                                                   _is_url, _missing_message,
                                                   resolve_latest_checkpoint)

__all__ = [
    'StageCheckpointError', 'OfflineWeightsError', 'check_start_checkpoints',
    'resolve_latest_checkpoint', 'start_checkpoint_refs'
]

#: Seconds to wait for a weights URL to answer (override:
#: ``MMSEG_EFFICIENT_URL_TIMEOUT``).
URL_TIMEOUT = 10.0


class OfflineWeightsError(RuntimeError):
    """A weights URL can neither be found in the cache nor fetched."""


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
