# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Checkpoint reliability shared by the tools.

* :func:`check_checkpoint_file` and :func:`load_checkpoint_strict` (the one
  strict loader): defined in
  :mod:`mmseg_efficient.models.utils.checkpoint_loading`, next to the strict
  ``Pretrained`` init that uses them, and re-exported here for the tools.
* :func:`atomic_torch_save` and :func:`install_atomic_checkpoint_saving`:
  checkpoints (mmengine's ``CheckpointHook`` saves included) are written to a
  temporary file in the same folder and renamed, so a kill during the write
  leaves the previous state intact.
* :func:`find_resume_checkpoint` / :func:`warn_existing_checkpoints`:
  ``--resume`` falls back to the newest checkpoint that loads when
  ``last_checkpoint`` is missing, empty or dangling, and a run that would
  start from iteration 1 over existing checkpoints says so.
"""
import logging
import os
import os.path as osp
import re
import uuid
from typing import List, Optional

import torch

from ..models.utils.checkpoint_loading import (MAX_KEYS_SHOWN,
                                               CheckpointMismatchError,
                                               NotACheckpointError,
                                               check_checkpoint_file,
                                               load_checkpoint_strict)

__all__ = [
    'CheckpointMismatchError', 'NotACheckpointError', 'ResumeError',
    'atomic_torch_save', 'check_checkpoint_file', 'find_resume_checkpoint',
    'install_atomic_checkpoint_saving', 'list_checkpoints',
    'load_checkpoint_strict', 'warn_existing_checkpoints'
]


class ResumeError(RuntimeError):
    """``--resume`` found checkpoints, but none of them loads."""


# ---------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------
def atomic_torch_save(obj, filename: str) -> None:
    """``torch.save`` to a temporary file next to ``filename``, then
    ``os.replace``: readers see the old file or the complete new one, and a
    failure leaves no partial file behind."""
    filename = os.fspath(filename)
    dirname = osp.dirname(osp.abspath(filename))
    os.makedirs(dirname, exist_ok=True)
    tmp = osp.join(dirname,
                   f'.{osp.basename(filename)}.{uuid.uuid4().hex[:8]}.tmp')
    try:
        with open(tmp, 'xb') as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filename)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def install_atomic_checkpoint_saving() -> bool:
    """Make mmengine's ``save_checkpoint`` (behind ``Runner.save_checkpoint``
    and so ``CheckpointHook``) write local files atomically with
    :func:`atomic_torch_save`. Remote back-ends are left to mmengine.
    Idempotent; returns True once installed."""
    from mmengine import runner as runner_pkg
    from mmengine.runner import checkpoint as ckpt_mod
    from mmengine.runner import runner as runner_mod
    original = ckpt_mod.save_checkpoint
    if getattr(original, '__mmseg_efficient__', False):
        return True

    def save_checkpoint(checkpoint, filename, file_client_args=None,
                        backend_args=None):
        local = (file_client_args is None and backend_args is None
                 and '://' not in str(filename))
        if not local:
            return original(checkpoint, filename, file_client_args,
                            backend_args)
        atomic_torch_save(checkpoint, filename)

    save_checkpoint.__mmseg_efficient__ = True
    save_checkpoint.__wrapped__ = original
    save_checkpoint.__doc__ = ('mmengine\'s save_checkpoint, atomic for '
                               'local files (mmseg_efficient).')
    for module in (ckpt_mod, runner_mod, runner_pkg):
        if getattr(module, 'save_checkpoint', None) is original:
            module.save_checkpoint = save_checkpoint
    return True


# ---------------------------------------------------------------------------
# Resume
# ---------------------------------------------------------------------------
_CKPT_NAME = re.compile(r'^(iter|epoch)_(\d+)\.pth$')


def list_checkpoints(work_dir: str) -> List[str]:
    """``iter_N.pth`` / ``epoch_N.pth`` in ``work_dir``, newest (largest N)
    first."""
    if not osp.isdir(work_dir):
        return []
    found = []
    for name in os.listdir(work_dir):
        match = _CKPT_NAME.match(name)
        if match and osp.isfile(osp.join(work_dir, name)):
            found.append((int(match.group(2)), name))
    return [osp.join(work_dir, n) for _, n in sorted(found, reverse=True)]


def _loadable(path: str) -> Optional[str]:
    """None if ``path`` looks like a complete checkpoint, else why not."""
    try:
        check_checkpoint_file(path, verify_crc=True)
    except (OSError, NotACheckpointError) as err:
        return str(err)
    return None


def find_resume_checkpoint(work_dir: str, logger='current') -> Optional[str]:
    """The checkpoint ``--resume`` should continue from.

    mmengine reads ``work_dir/last_checkpoint`` and, when it is missing,
    silently starts from iteration 1. Here: its target when it is a complete
    checkpoint (a target that moved with the work dir is found by name);
    otherwise the newest ``iter_*.pth`` / ``epoch_*.pth`` that is complete,
    each skipped file named in a warning.

    Returns:
        str | None: The checkpoint, or None when ``work_dir`` holds none (a
        first run started with ``--resume``).

    Raises:
        ResumeError: Checkpoints exist but none of them is complete.
    """
    from mmengine.logging import print_log

    def warn(msg):
        print_log(msg, logger=logger, level=logging.WARNING)

    marker = osp.join(work_dir, 'last_checkpoint')
    candidates = list_checkpoints(work_dir)
    reason = None
    if not osp.isfile(marker):
        reason = f'{marker} does not exist'
    else:
        with open(marker) as f:
            target = f.read().strip()
        if not target:
            reason = f'{marker} is empty'
        else:
            if not osp.isfile(target) and osp.isfile(
                    osp.join(work_dir, osp.basename(target))):
                target = osp.join(work_dir, osp.basename(target))
            if not osp.isfile(target):
                reason = f'{marker} points to {target}, which does not exist'
            else:
                why = _loadable(target)
                if why is None:
                    return target
                reason = f'its target is unusable: {why}'
    if not candidates:
        if osp.isfile(marker):
            warn(f'--resume: {reason} and {work_dir} holds no iter_*.pth / '
                 'epoch_*.pth: starting from iteration 1.')
        else:
            print_log(f'--resume: no checkpoint in {work_dir} yet: starting '
                      'from iteration 1.', logger=logger)
        return None
    skipped = []
    for path in candidates:
        why = _loadable(path)
        if why is None:
            warn(f'--resume: {reason}; resuming from the newest complete '
                 f'checkpoint {path}' +
                 (f' (skipped: {"; ".join(skipped)})' if skipped else ''))
            return path
        skipped.append(why)
        warn(f'--resume: skipping {path}: {why}')
    raise ResumeError(
        f'--resume: {reason}, and none of the {len(candidates)} checkpoints '
        f'in {work_dir} is complete ({"; ".join(skipped)}). Remove them to '
        'start from iteration 1, or pass --cfg-options load_from=CKPT.')


def warn_existing_checkpoints(work_dir: str, logger='current') -> List[str]:
    """Warn loudly when a run that starts from iteration 1 (no ``--resume``)
    shares ``work_dir`` with earlier checkpoints, which it will overwrite.

    Returns:
        list[str]: The checkpoints found (newest first).
    """
    found = list_checkpoints(work_dir)
    if found:
        from mmengine.logging import print_log
        names = ', '.join(osp.basename(p) for p in found[:MAX_KEYS_SHOWN])
        more = len(found) - MAX_KEYS_SHOWN
        print_log(
            '*' * 72 + f'\nThe work dir {work_dir} already holds '
            f'{len(found)} checkpoint(s) ({names}' +
            (f', +{more} more' if more > 0 else '') + '), but this run '
            'starts from iteration 1 and will overwrite them. Pass --resume '
            'to continue the earlier run, or use another --work-dir.\n' +
            '*' * 72,
            logger=logger,
            level=logging.WARNING)
    return found
