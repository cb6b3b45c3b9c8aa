# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Checkpoint reliability shared by the tools.

* :func:`check_checkpoint_file` and :func:`load_checkpoint_strict` (the one
  strict loader): defined in
  :mod:`mmseg_efficient.models.utils.checkpoint_loading`, next to the strict
  ``Pretrained`` init that uses them, and re-exported here for the tools.
* :func:`atomic_torch_save` and :func:`install_atomic_checkpoint_saving`:
  checkpoints (mmengine's ``CheckpointHook`` saves included) are written to a
  temporary file in the same folder and renamed, so a kill during the write
  leaves the previous state intact; a failed write (a full disk) is a
  :class:`CheckpointSaveError` naming the file and the cause.
  :func:`remove_stale_temporaries` deletes what a killed save left behind.
* :func:`find_resume_checkpoint` / :func:`warn_existing_checkpoints`:
  ``--resume`` continues from a complete checkpoint inside the work dir
  (never from a path ``last_checkpoint`` names elsewhere) and says which and
  why; a run that would start from iteration 1 over existing checkpoints
  says so.
"""
import errno
import logging
import os
import os.path as osp
import re
import shutil
import uuid
from typing import List, Optional

import torch

from ..models.utils.checkpoint_loading import (MAX_KEYS_SHOWN,
                                               CheckpointMismatchError,
                                               NotACheckpointError,
                                               _mismatch, _some,
                                               _CKPT_NAME, _state_dict_of,
                                               _unwrap, list_checkpoints,
                                               check_checkpoint_file,
                                               load_checkpoint_strict)

__all__ = [
    'CheckpointMismatchError', 'CheckpointSaveError', 'NotACheckpointError',
    'ResumeError', 'atomic_torch_save', 'check_checkpoint_file',
    'check_resume_checkpoint_fits', 'find_resume_checkpoint',
    'install_atomic_checkpoint_saving', 'list_checkpoints',
    'load_checkpoint_strict', 'remove_stale_temporaries',
    'warn_existing_checkpoints'
]


class ResumeError(RuntimeError):
    """``--resume`` cannot continue: no checkpoint loads, or the work dir's
    checkpoint does not fit the model."""


class CheckpointSaveError(OSError):
    """Writing a checkpoint failed (e.g. no space left on device); the
    message names the file and the cause."""


# ---------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------
#: The temporary files :func:`atomic_torch_save` writes: ``.NAME.<hex>.tmp``.
_TMP_NAME = re.compile(r'^\.(?P<name>.+)\.[0-9a-f]{8}\.tmp$')


def _os_error_in(err: BaseException) -> Optional[OSError]:
    """The first ``OSError`` in ``err``'s chain: torch's zip writer turns a
    failed ``write`` into ``RuntimeError: [enforce fail ...] unexpected
    pos`` and keeps the real cause (e.g. ``ENOSPC``) only as its context."""
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, OSError) and err.errno is not None:
            return err
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return None


def atomic_torch_save(obj, filename: str) -> None:
    """``torch.save`` to a temporary file next to ``filename``, then
    ``os.replace``: readers see the old file or the complete new one, and a
    failure leaves no partial file behind.

    Raises:
        CheckpointSaveError: The write failed on an OS error (a full disk,
            a quota, no permission); the message names ``filename``, the
            cause (e.g. "No space left on device") and whether an earlier
            ``filename`` is still intact.
    """
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
    except BaseException as err:
        if osp.exists(tmp):
            os.remove(tmp)
        cause = _os_error_in(err) if isinstance(err, Exception) else None
        if cause is None:
            raise
        try:
            free = f', {shutil.disk_usage(dirname).free / 2**20:.1f} MiB free'
        except OSError:
            free = ''
        kept = (f'the earlier {osp.basename(filename)} is intact'
                if osp.isfile(filename) else 'no file was written')
        hint = (' Free some space or save elsewhere (--work-dir).'
                if cause.errno in (errno.ENOSPC, errno.EDQUOT) else '')
        raise CheckpointSaveError(
            cause.errno,
            f'Could not save checkpoint {filename}: '
            f'{cause.strerror or cause} (in {dirname}{free}); {kept}.' +
            hint) from err


def remove_stale_temporaries(folder: str, logger='current') -> List[str]:
    """Delete the ``.NAME.pth.<hex>.tmp`` files a save killed mid-write left
    in ``folder`` (hidden, often empty, never read), saying so.

    Call it only while no save into ``folder`` is running (before training).

    Returns:
        list[str]: The files removed.
    """
    if not osp.isdir(folder):
        return []
    removed = []
    for name in sorted(os.listdir(folder)):
        match = _TMP_NAME.match(name)
        path = osp.join(folder, name)
        if match and match.group('name').endswith('.pth') \
                and osp.isfile(path):
            try:
                size = osp.getsize(path)
                os.remove(path)
            except FileNotFoundError:  # another process was first
                continue
            removed.append(f'{name} ({size} bytes)')
    if removed:
        from mmengine.logging import print_log
        print_log(
            f'Removed {len(removed)} temporary file(s) that an interrupted '
            f'checkpoint save left in {folder}: {_some(removed)}.',
            logger=logger,
            level=logging.WARNING)
    return [osp.join(folder, r.rsplit(' (', 1)[0]) for r in removed]


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


def _loadable(path: str) -> Optional[str]:
    """None if ``path`` looks like a complete checkpoint, else why not."""
    try:
        check_checkpoint_file(path, verify_crc=True)
    except (OSError, NotACheckpointError) as err:
        return str(err)
    return None


def _inside(folder: str, path: str) -> bool:
    folder = osp.realpath(folder)
    return osp.realpath(path).startswith(folder.rstrip(os.sep) + os.sep)


def _number(path: str) -> int:
    match = _CKPT_NAME.match(osp.basename(path))
    return int(match.group(2)) if match else -1


def find_resume_checkpoint(work_dir: str,
                           logger='current',
                           ckpt_dir: Optional[str] = None) -> Optional[str]:
    """The checkpoint ``--resume`` should continue from, always one inside
    the checkpoint folder, and a log line saying which and why.

    mmengine trusts ``work_dir/last_checkpoint`` alone: it silently starts
    from iteration 1 when the file is missing, and follows its absolute path
    wherever it points (in a work dir copied from A to B, to A's
    checkpoint). Here ``last_checkpoint`` (the last save) only names *which*
    checkpoint: a path outside ``ckpt_dir`` is looked up by its file name
    inside it, and the file must be complete. Otherwise (no, an empty or an
    unusable ``last_checkpoint``) the newest complete ``iter_*.pth`` /
    ``epoch_*.pth`` is taken; each skipped file is named with the reason.

    Args:
        work_dir (str): The run's work dir (holds ``last_checkpoint``).
        logger: Where the messages go (see ``mmengine.logging.print_log``).
        ckpt_dir (str, optional): Where the checkpoints are
            (``CheckpointHook``'s ``out_dir``). Default: ``work_dir``.

    Returns:
        str | None: The checkpoint, or None when ``ckpt_dir`` holds none (a
        first run started with ``--resume``).

    Raises:
        ResumeError: Checkpoints exist but none of them is complete.
    """
    from mmengine.logging import print_log

    def warn(msg):
        print_log(msg, logger=logger, level=logging.WARNING)

    ckpt_dir = ckpt_dir or work_dir
    marker = osp.join(work_dir, 'last_checkpoint')
    candidates = list_checkpoints(ckpt_dir)
    skipped = {}  # path -> why it is unusable
    reason = None  # why last_checkpoint's checkpoint is not taken
    if not osp.isfile(marker):
        reason = f'{marker} does not exist'
    else:
        with open(marker) as f:
            target = f.read().strip()
        if not target:
            reason = f'{marker} is empty'
        else:
            local, elsewhere = target, ''
            if not _inside(ckpt_dir, target):
                # a copied or moved work dir: never resume from the other
                # folder, take the file of that name in this one
                local = osp.join(ckpt_dir, osp.basename(target))
                elsewhere = (f'{marker} points to {target}, outside '
                             f'{ckpt_dir} (a copied or moved work dir?)')
            if not osp.isfile(local):
                reason = (f'{elsewhere}, and {local} does not exist'
                          if elsewhere else
                          f'{marker} points to {target}, which does not '
                          'exist')
            else:
                why = _loadable(local)
                if why is None:
                    newer = [p for p in candidates
                             if _number(p) > _number(local) >= 0]
                    note = (f' ({osp.basename(newer[0])} has a higher '
                            'number but is not the last save; to continue '
                            'from it, pass --cfg-options '
                            f'load_from={newer[0]} with --resume)'
                            if newer else '')
                    if elsewhere:
                        warn(f'--resume: {elsewhere}: resuming from {local}, '
                             f'the complete checkpoint of that name in '
                             f'{ckpt_dir}, not from {target}{note}.')
                    else:
                        print_log(f'--resume: resuming from {local} (the '
                                  f'last save, named by {marker}; complete)'
                                  f'{note}.', logger=logger)
                    return local
                skipped[local] = why
                warn(f'--resume: skipping {local}: {why}')
                reason = (f'{elsewhere}, and {local} is unusable'
                          if elsewhere else
                          f'{marker} names {local}, which is unusable')
    if not candidates:
        if osp.isfile(marker):
            warn(f'--resume: {reason} and {ckpt_dir} holds no iter_*.pth / '
                 'epoch_*.pth: starting from iteration 1.')
        else:
            print_log(f'--resume: no checkpoint in {ckpt_dir} yet: starting '
                      'from iteration 1.', logger=logger)
        return None
    for path in candidates:
        if path in skipped:
            continue
        why = _loadable(path)
        if why is None:
            warn(f'--resume: {reason}; resuming from the newest complete '
                 f'checkpoint {path}' +
                 (f' (skipped: {"; ".join(skipped.values())})'
                  if skipped else ''))
            return path
        skipped[path] = why
        warn(f'--resume: skipping {path}: {why}')
    raise ResumeError(
        f'--resume: {reason}, and none of the {len(candidates)} checkpoints '
        f'in {ckpt_dir} is complete ({"; ".join(skipped.values())}). Remove '
        'them to start from iteration 1, or pass --cfg-options '
        'load_from=CKPT.')


def check_resume_checkpoint_fits(model: torch.nn.Module, filename: str,
                                 work_dir: str, config: str = '') -> None:
    """Refuse to resume a run from a checkpoint of another model (``--resume``
    into another config's work dir) before anything is trained: mmengine
    would load what fits, warn about the rest and crash later inside the
    optimizer.

    Args:
        model (nn.Module): The run's model (built from its config).
        filename (str): The checkpoint ``--resume`` chose.
        work_dir (str): The work dir, for the message.
        config (str): The config file, for the message. Default: ''.

    Raises:
        ResumeError: The checkpoint's keys or shapes do not fit the model;
            the message names the file, the work dir and the mismatch.
    """
    from mmengine.runner.checkpoint import _load_checkpoint
    checkpoint = _load_checkpoint(filename, map_location='cpu')
    state_dict = _state_dict_of(checkpoint, filename)
    state_dict = {re.sub(r'^module\.', '', k): v
                  for k, v in state_dict.items()}
    target = _unwrap(model)
    parts = _mismatch(target.state_dict(), state_dict, ())
    if parts:
        of = f' of {config}' if config else ''
        raise ResumeError(
            f'--resume: the checkpoint {filename} in the work dir {work_dir} '
            f'does not fit the model{of} ({type(target).__name__}): ' +
            '; '.join(parts) + '. The work dir holds a run of another '
            'model: pass another --work-dir, or leave out --resume to start '
            'over in this one.')


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
