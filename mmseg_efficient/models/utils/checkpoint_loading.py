# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Strict checkpoint loading, shared by the models and the tools.

* :func:`check_checkpoint_file`: a file that is not a checkpoint at all
  (empty, text, an HTML page saved as ``.pth``, a truncated zip) is named as
  such before ``torch.load`` turns it into a misleading unpickling error.
* :func:`load_checkpoint_strict`: the one strict loader of the package: the
  strict ``Pretrained`` init (:class:`StrictPretrainedInit`) and the tools
  (``tools/test.py``, ``tools/deploy/convert_grouped.py``, ``benchmark.py
  --checkpoint`` through :func:`~mmseg_efficient.utils.build_segmentor`):
  any missing, unexpected or reshaped key is an error listing the first few
  and their count, unless ``allow_partial=True``.

It lives with the models because the ``Pretrained`` init needs it while
models are built; ``mmseg_efficient.utils`` re-exports it for the tools
(``utils`` may import ``models``, never the other way round).
"""
import logging
import os
import os.path as osp
import re
import zipfile
from typing import Iterable, List, Optional, Sequence, Tuple

import torch

__all__ = [
    'CheckpointMismatchError', 'MAX_KEYS_SHOWN', 'NotACheckpointError',
    'check_checkpoint_file', 'load_checkpoint_strict'
]

#: How many keys an error message lists before "... (+N more)".
MAX_KEYS_SHOWN = 5


class NotACheckpointError(ValueError):
    """The file exists but is not a (complete) PyTorch checkpoint."""


class CheckpointMismatchError(RuntimeError):
    """A checkpoint's keys or shapes do not fit the model."""




# ---------------------------------------------------------------------------
# What kind of file is this?
# ---------------------------------------------------------------------------
def _describe_non_checkpoint(head: bytes) -> str:
    text = head.lstrip().lower()
    if text.startswith((b'<!doctype html', b'<html', b'<head', b'<?xml')) \
            or b'<html' in text[:200]:
        return ('an HTML page, not a checkpoint (a failed or redirected '
                'download? fetch the file itself, e.g. the "raw" link)')
    try:
        decoded = head.decode('utf-8')
    except UnicodeDecodeError:
        decoded = None
    if decoded is not None and decoded.strip() and all(
            c.isprintable() or c in '\r\n\t' for c in decoded):
        first = decoded.strip().splitlines()[0][:60]
        return f'a text file (it starts with {first!r}), not a checkpoint'
    return (f'not a PyTorch checkpoint (unknown format, first bytes '
            f'{head[:8]!r})')


def check_checkpoint_file(filename: str, verify_crc: bool = False) -> None:
    """Refuse a local file that cannot be a PyTorch checkpoint, by name.

    Checks the format only (cheap: the zip directory, not the tensors):
    PyTorch's zip format with its ``data.pkl``, or a legacy pickle. A pickle
    with foreign globals is left to the weights-only loader
    (:class:`~mmseg_efficient.compat.UnsafeCheckpointError`).

    Args:
        filename (str): Path of the file.
        verify_crc (bool): Also read every zip member and check its CRC (reads
            the whole file). Default: False.

    Raises:
        FileNotFoundError: The file does not exist.
        NotACheckpointError: The file is empty, text, HTML, a truncated or
            corrupt zip archive, or of an unknown format; the message names
            the file and what it is.
    """
    filename = os.fspath(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint not found: {filename}')
    size = osp.getsize(filename)
    if size == 0:
        raise NotACheckpointError(
            f'Checkpoint {filename} is empty (0 bytes), not a checkpoint: an '
            'interrupted download or save? Download or save it again.')
    with open(filename, 'rb') as f:
        head = f.read(512)
    if head.startswith(b'PK\x03\x04'):  # torch>=1.6 zip format
        try:
            with zipfile.ZipFile(filename) as archive:
                names = archive.namelist()
                bad = archive.testzip() if verify_crc else None
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            raise NotACheckpointError(
                f'Checkpoint {filename} is truncated or corrupt ({size} '
                f'bytes; its zip directory is unreadable: {err}). An '
                'interrupted download or save? Download or save it '
                'again.') from err
        if not any(n == 'data.pkl' or n.endswith('/data.pkl')
                   for n in names):
            raise NotACheckpointError(
                f'{filename} is a zip archive but not a PyTorch checkpoint '
                '(it has no data.pkl)')
        if bad is not None:
            raise NotACheckpointError(
                f'Checkpoint {filename} is corrupt (CRC error in {bad})')
        return
    if head[:1] == b'\x80':  # a pickle (legacy torch.save): torch decides
        return
    raise NotACheckpointError(
        f'{filename} is {_describe_non_checkpoint(head)}')


# ---------------------------------------------------------------------------
# Strict loading
# ---------------------------------------------------------------------------
def _unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The segmentor inside a DDP wrapper and/or a TTA model."""
    from mmengine.model import BaseTTAModel, is_model_wrapper
    for _ in range(3):
        if is_model_wrapper(model) or isinstance(model, BaseTTAModel):
            model = model.module
    return model


def _some(keys: Sequence[str]) -> str:
    shown = ', '.join(keys[:MAX_KEYS_SHOWN])
    more = len(keys) - MAX_KEYS_SHOWN
    return shown + (f', ... (+{more} more)' if more > 0 else '')


def _state_dict_of(checkpoint, filename: str) -> dict:
    if not isinstance(checkpoint, dict):
        raise NotACheckpointError(
            f'{filename} holds a {type(checkpoint).__name__}, not a state '
            'dict or an mmengine checkpoint')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, dict) or not any(
            isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise NotACheckpointError(
            f'{filename} holds no tensors: not a model checkpoint (top-level '
            f'keys: {_some(sorted(map(str, checkpoint)))})')
    return state_dict


def _mismatch(own: dict, state_dict: dict, ignore: tuple) -> List[str]:
    """How ``state_dict`` does not fit a model whose state dict is ``own``:
    missing keys, unexpected keys, other shapes (each counted, the first
    few listed); empty when it fits."""
    missing = [k for k in own if k not in state_dict
               and not k.startswith(ignore)]
    unexpected = [k for k in state_dict if k not in own
                  and not k.startswith(ignore)]
    reshaped = [
        f'{k}: checkpoint {tuple(v.shape)}, model {tuple(own[k].shape)}'
        for k, v in state_dict.items() if k in own
        and isinstance(v, torch.Tensor) and v.shape != own[k].shape
    ]
    parts = []
    if missing:
        parts.append(f'{len(missing)} of the model\'s {len(own)} keys '
                     f'are missing from it ({_some(missing)})')
    if unexpected:
        parts.append(f'{len(unexpected)} of its {len(state_dict)} keys '
                     f'are not in the model ({_some(unexpected)})')
    if reshaped:
        verb = 'has' if len(reshaped) == 1 else 'have'
        parts.append(f'{len(reshaped)} {verb} another shape '
                     f'({_some(reshaped)})')
    return parts


def load_checkpoint_strict(model: torch.nn.Module,
                           filename: str,
                           allow_partial: bool = False,
                           map_location='cpu',
                           ignore_prefixes: Iterable[str] = (),
                           revise_keys: Sequence[Tuple[str, str]] = (
                               (r'^module\.', ''), ),
                           logger='current',
                           prefix: Optional[str] = None,
                           partial_hint: str = (
                               'pass --allow-partial-checkpoint '
                               '(allow_partial=True)'),
                           what: Optional[str] = None,
                           hint: Optional[str] = None) -> dict:
    """Load ``filename`` into ``model``, refusing a checkpoint that does not
    fit.

    Accepts an mmengine checkpoint (``{'state_dict': ..., 'meta': ...}``) and
    a plain ``torch.save(model.state_dict())`` file. DDP wrappers and TTA
    models are unwrapped; a ``module.`` prefix in the checkpoint is dropped.

    Args:
        model (nn.Module): The model (a segmentor, possibly wrapped).
        filename (str): Local path or any URI mmengine's loader accepts.
        allow_partial (bool): Load the keys that fit and only warn about the
            others (the tools' ``--allow-partial-checkpoint``).
            Default: False.
        map_location: As for :func:`torch.load`. Default: 'cpu'.
        ignore_prefixes (Iterable[str]): Keys starting with one of these may
            be missing or unexpected (e.g. ``('auxiliary_head.', )`` where
            the auxiliary head is not used). Default: ().
        revise_keys (Sequence[tuple]): ``(pattern, replacement)`` applied to
            the checkpoint's keys. Default: strip ``module.``.
        logger: Where warnings go (see ``mmengine.logging.print_log``).
        prefix (str, optional): Load only the checkpoint's keys that start
            with ``prefix``, with it removed, as mmengine's ``Pretrained``
            init does (e.g. ``'backbone.'`` to load a classifier's or a
            segmentor's encoder into a backbone); a checkpoint without such
            keys does not fit. Default: None (all keys).
        partial_hint (str): How the caller loads only what fits, for the
            error message. Default: the tools' ``--allow-partial-checkpoint``.
        what (str, optional): How the error names the checkpoint, e.g.
            ``'The teacher checkpoint'``. Default: ``'Checkpoint'``.
        hint (str, optional): The error's last sentence, in place of the
            one that suggests another config and ``partial_hint``.

    Returns:
        dict: The loaded checkpoint (as ``torch.load`` returned it).

    Raises:
        NotACheckpointError: The file is not a checkpoint (see
            :func:`check_checkpoint_file`).
        CheckpointMismatchError: Unless ``allow_partial``: keys missing from
            the checkpoint, keys the model does not have, or tensors of
            another shape; the message gives the first few and the counts.
    """
    from mmengine.logging import print_log
    from mmengine.runner.checkpoint import _load_checkpoint, load_state_dict
    if '://' not in str(filename):
        # also when compat's weights-only loader is switched off
        check_checkpoint_file(filename)
    checkpoint = _load_checkpoint(filename, map_location=map_location)
    state_dict = _state_dict_of(checkpoint, filename)
    for pattern, repl in revise_keys:
        state_dict = {re.sub(pattern, repl, k): v
                      for k, v in state_dict.items()}
    what = what or 'Checkpoint'
    if prefix:
        what = f"The '{prefix}' weights of checkpoint"
        state_dict = {k[len(prefix):]: v
                      for k, v in state_dict.items() if k.startswith(prefix)}
    target = _unwrap(model)
    own = target.state_dict()
    parts = _mismatch(own, state_dict, tuple(ignore_prefixes))
    if parts:
        msg = (f'{what} {filename} do{"es" if not prefix else ""} not '
               'fit the model '
               f'({type(target).__name__}): ' + '; '.join(parts) + '.')
        if not allow_partial:
            raise CheckpointMismatchError(
                msg + ' ' + (hint or 'Was it trained with another config? To '
                             f'load only the weights that fit, '
                             f'{partial_hint}.'))
        print_log(msg + ' Loading the weights that fit (allow_partial).',
                  logger=logger, level=logging.WARNING)
    # only what fits: mmengine's loader would also warn about the rest
    state_dict = {
        k: v
        for k, v in state_dict.items() if k in own and (
            not isinstance(v, torch.Tensor) or v.shape == own[k].shape)
    }
    load_state_dict(target, state_dict, strict=False, logger=logger)
    return checkpoint


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
