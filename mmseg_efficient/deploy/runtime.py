# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""ONNX export of a segmentor's tensor-mode forward, onnxruntime sessions
and the equivalence check between two sets of logits.

``onnx`` and ``onnxruntime`` are optional (``pip install -e .[deploy]``);
:func:`require` raises an ImportError saying so when they are missing.
"""
import contextlib
import copy
import importlib
import os
import os.path as osp
import warnings
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn

from ..utils.analysis import TensorForward

__all__ = [
    'require', 'TensorForward', 'export_onnx', 'ort_session', 'run_session',
    'torch_outputs', 'check_equivalence', 'EquivalenceError',
    'replace_atomically',
    'ORT_OPT_LEVELS'
]

INSTALL_HINT = ('install the deploy extra: pip install -e ".[deploy]" '
                '(or: pip install -r requirements/deploy.txt)')

#: ``--ort-opt`` names and onnxruntime's GraphOptimizationLevel members.
ORT_OPT_LEVELS = dict(
    disable='ORT_DISABLE_ALL',
    basic='ORT_ENABLE_BASIC',
    extended='ORT_ENABLE_EXTENDED',
    layout='ORT_ENABLE_LAYOUT',
    all='ORT_ENABLE_ALL')


def require(name: str):
    """Import ``name`` (``'onnx'`` or ``'onnxruntime'``) or raise an
    ImportError that says how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise ImportError(f'{name} is not installed: {INSTALL_HINT}') from e


def _as_list(out) -> List[torch.Tensor]:
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _as_list(o)]
    if isinstance(out, dict):
        return [t for o in out.values() for t in _as_list(o)]
    raise TypeError(f'Cannot export an output of type {type(out)}')


def torch_outputs(model: nn.Module, x: torch.Tensor) -> List[np.ndarray]:
    """The tensor-mode outputs of a segmentor as numpy arrays."""
    with torch.no_grad():
        return [t.cpu().numpy() for t in _as_list(model(x, mode='tensor'))]


def export_onnx(model: nn.Module,
                path: str,
                shape: Sequence[int] = (512, 1024),
                dynamic: bool = False,
                opset: int = 17) -> List[str]:
    """Export the tensor-mode forward of a segmentor to ONNX.

    A static export (``dynamic=False``) runs adaptive average poolings as
    :class:`~.fuse.StaticAdaptiveAvgPool2d` (on a copy of the model), which
    the exporter accepts whatever the sizes.

    Uses the TorchScript-based exporter (``dynamo=False``: it needs no
    ``onnxscript`` and handles mmseg's shape arithmetic), with input
    ``input`` (1, 3, H, W) and outputs ``logits`` (``logits_1``, ... when the
    model returns several tensors).

    Args:
        model (nn.Module): The segmentor, in eval mode.
        path (str): Where to write the ``.onnx`` file.
        shape (Sequence[int]): (H, W) of the example input.
        dynamic (bool): Declare H and W of the input (and of the outputs)
            dynamic. Default: False.
        opset (int): ONNX opset, at least 17. Default: 17.

    Returns:
        list[str]: The output names.
    """
    require('onnx')
    if opset < 17:
        raise ValueError(f'opset must be >= 17, got {opset}')
    device = next(model.parameters()).device
    if not dynamic:
        from .fuse import static_adaptive_pool
        if any(type(m) is nn.AdaptiveAvgPool2d for m in model.modules()):
            model = copy.deepcopy(model)
            static_adaptive_pool(model)
    wrapped = TensorForward(model).eval()
    x = torch.rand(1, 3, *shape, device=device)
    with torch.no_grad():
        num_out = len(_as_list(wrapped(x)))
    names = ['logits'] + [f'logits_{i}' for i in range(1, num_out)]
    dynamic_axes = None
    if dynamic:
        dynamic_axes = {'input': {2: 'height', 3: 'width'}}
        dynamic_axes.update({n: {2: f'{n}_h', 3: f'{n}_w'} for n in names})
    # the exporter prints the whole graph (from C++) when it fails: silence
    # stdout/stderr at the file-descriptor level, the exception says why
    with warnings.catch_warnings(), torch.no_grad(), _quiet_fds():
        warnings.simplefilter('ignore')
        torch.onnx.export(
            wrapped, (x, ),
            path,
            input_names=['input'],
            output_names=names,
            opset_version=opset,
            dynamic_axes=dynamic_axes,
            do_constant_folding=True,
            dynamo=False)
    return names


@contextlib.contextmanager
def _quiet_fds():
    """Send file descriptors 1 and 2 to /dev/null (C++ prints too)."""
    import sys
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved + [devnull]:
            os.close(fd)


def ort_session(path: str,
                threads: Optional[int] = None,
                opt_level: str = 'all',
                profile_prefix: Optional[str] = None,
                spinning: bool = False):
    """An onnxruntime CPU inference session.

    Args:
        path (str): The ``.onnx`` file.
        threads (int, optional): Intra-op threads (inter-op is 1).
        opt_level (str): One of :data:`ORT_OPT_LEVELS`. Default: 'all'
            (includes the NCHWc layout transformation and conv+activation
            fusion).
        profile_prefix (str, optional): Turn onnxruntime's profiler on,
            writing ``<prefix>_<date>.json`` (``session.end_profiling()``
            returns its path).
        spinning (bool): Let idle intra-op threads spin-wait (onnxruntime's
            default). Default: False: with several sessions timed in turns
            in one process, the threads of the session that just ran keep
            spinning on the cores the next one needs, which charged every
            runner of an interleaved benchmark a share of its predecessor's
            spin (about +10% CPU time at 2 threads).
    """
    ort = require('onnxruntime')
    if opt_level not in ORT_OPT_LEVELS:
        raise ValueError(f'opt_level must be one of {list(ORT_OPT_LEVELS)}, '
                         f'got {opt_level!r}')
    options = ort.SessionOptions()
    level = getattr(ort.GraphOptimizationLevel, ORT_OPT_LEVELS[opt_level],
                    ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
    options.graph_optimization_level = level
    options.inter_op_num_threads = 1
    if threads:
        options.intra_op_num_threads = threads
    if not spinning:
        options.add_session_config_entry('session.intra_op.allow_spinning',
                                         '0')
    if profile_prefix:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    options.log_severity_level = 3
    return ort.InferenceSession(
        path, options, providers=['CPUExecutionProvider'])


def run_session(session, x) -> List[np.ndarray]:
    """Run an onnxruntime session on one input (tensor or array)."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return session.run(None, {session.get_inputs()[0].name: x})


class EquivalenceError(RuntimeError):
    """Two implementations of a model disagree beyond the tolerance."""


def check_equivalence(ref: Sequence[np.ndarray],
                      got: Sequence[np.ndarray],
                      names: Optional[Sequence[str]] = None,
                      atol: float = 1e-4,
                      what: str = 'onnxruntime') -> Dict[str, dict]:
    """Compare outputs: finite, max abs difference <= ``atol``, and the same
    argmax over the channels (dim 1) at every pixel where ``ref`` is decided.

    A pixel is a *tie* when the margin between the two largest logits of
    ``ref`` is at most ``atol``: there, a difference the tolerance allows may
    swap the winner (random weights give such near-equal logits), so the
    argmax is compared only at the other pixels; the ties are counted.

    Returns:
        dict: Per output name, ``max_abs_diff``, ``pixels``, ``ties``,
        ``argmax_mismatches`` (pixels with a margin above ``atol`` whose
        argmax differs), ``tie_mismatches`` (ties whose argmax differs,
        reported only) and ``same_argmax`` (no ``argmax_mismatches``).

    Raises:
        EquivalenceError: Naming the worst output, its difference and the
            number of decided pixels whose argmax differs.
    """
    names = list(names or [f'output{i}' for i in range(len(ref))])
    if len(ref) != len(got):
        raise EquivalenceError(f'{what}: {len(got)} outputs, expected '
                               f'{len(ref)} ({names})')
    stats = {}
    for name, a, b in zip(names, ref, got):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            raise EquivalenceError(f'{what}: output {name!r} has shape '
                                   f'{b.shape}, expected {a.shape}')
        diff = np.abs(a.astype(np.float64) - b)
        # NaN/inf would slip through a "> atol" comparison: count as inf
        diff = float(np.nan_to_num(diff, nan=np.inf).max()) if a.size else 0.
        stats[name] = dict(max_abs_diff=diff, **_argmax_stats(a, b, atol))
    bad = {n: s for n, s in stats.items()
           if not s['max_abs_diff'] <= atol or not s['same_argmax']}
    if bad:
        worst = max(bad, key=lambda n: (bad[n]['max_abs_diff'],
                                        bad[n]['argmax_mismatches']))
        s = bad[worst]
        raise EquivalenceError(
            f'{what} differs from PyTorch: worst output {worst!r} has max '
            f'|diff| {s["max_abs_diff"]:.3g} (allowed {atol:g}) and '
            f'{s["argmax_mismatches"]} pixels with a different argmax '
            f'(of {s["pixels"] - s["ties"]} whose top-2 margin is above '
            f'{atol:g}; {s["ties"]} ties not compared)'
            + (f'; {len(bad)} of {len(stats)} outputs fail'
               if len(bad) > 1 else ''))
    return stats


def _argmax_stats(a: np.ndarray, b: np.ndarray, atol: float) -> dict:
    """Argmax agreement of ``b`` with ``a`` over dim 1, ties of ``a`` (top-2
    margin <= ``atol``) counted apart."""
    if a.ndim < 2 or a.shape[1] < 2 or not a.size:
        pixels = int(np.prod(a.shape[:1] + a.shape[2:])) if a.ndim > 1 else 0
        return dict(pixels=pixels, ties=0, argmax_mismatches=0,
                    tie_mismatches=0, same_argmax=True)
    top2 = np.partition(a, a.shape[1] - 2, axis=1)[:, -2:]
    ties = (top2[:, 1] - top2[:, 0]) <= atol
    differ = a.argmax(1) != b.argmax(1)
    mism = int((differ & ~ties).sum())
    return dict(pixels=int(ties.size), ties=int(ties.sum()),
                argmax_mismatches=mism,
                tie_mismatches=int((differ & ties).sum()),
                same_argmax=mism == 0)


def replace_atomically(tmp_dir: str, out_dir: str) -> List[str]:
    """Move every file of ``tmp_dir`` into ``out_dir`` (created if needed)
    with ``os.replace`` and remove ``tmp_dir``; return the new paths."""
    os.makedirs(out_dir, exist_ok=True)
    moved = []
    for name in sorted(os.listdir(tmp_dir)):
        dst = osp.join(out_dir, name)
        os.replace(osp.join(tmp_dir, name), dst)
        moved.append(dst)
    os.rmdir(tmp_dir)
    return moved
