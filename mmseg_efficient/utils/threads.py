# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""CPU threads for the tools: dataloader workers + intra-op threads never
exceed the cores this process may use.

PyTorch gives every process as many intra-op (OpenMP) threads as there are
cores, and each dataloader worker is one more busy process. On a small
machine the sum exceeds the cores, OpenMP threads spin waiting for each
other and an iteration takes anything from 1x to 30x its normal time.
:func:`setup_cpu_threads`, called by ``tools/train.py`` and
``tools/test.py`` on a machine without CUDA, splits the cores instead:
``env_cfg.cpu_threads`` (``'auto'``, the default of every config through
``configs/_base_/default_runtime.py``) keeps at least one core for the
model, lowers the workers of every dataloader to ``cores - 1`` at most and
gives the model the rest; an int sets the intra-op threads (workers lowered
to fit); ``None`` leaves PyTorch's defaults. ``OMP_NUM_THREADS`` set in the
environment always wins (the user chose).
"""
import os
from typing import Optional

import torch
from mmengine.logging import print_log

__all__ = ['available_cores', 'setup_cpu_threads']

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), per local process
    of a multi-process run."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        cores = os.cpu_count() or 1
    local = int(os.environ.get('LOCAL_WORLD_SIZE', '1') or 1)
    return max(1, cores // max(1, local))


def setup_cpu_threads(cfg, logger='current') -> Optional[int]:
    """Choose the intra-op threads and dataloader workers of a CPU run.

    Args:
        cfg (Config): The run's config; ``env_cfg.cpu_threads`` ('auto',
            an int or None) and the ``*_dataloader.num_workers`` are read,
            the latter lowered in place where they would oversubscribe.

    Returns:
        int | None: The intra-op threads set, or None when left alone (CUDA
        available, ``OMP_NUM_THREADS`` set, ``cpu_threads=None``).
    """
    policy = cfg.get('env_cfg', {}).get('cpu_threads', 'auto')
    if policy is None or torch.cuda.is_available():
        return None
    if os.environ.get('OMP_NUM_THREADS'):
        print_log(
            f'CPU threads: OMP_NUM_THREADS={os.environ["OMP_NUM_THREADS"]} '
            'from the environment (env_cfg.cpu_threads ignored)',
            logger=logger)
        return None
    cores = available_cores()
    if policy == 'auto':
        threads = None
    elif isinstance(policy, int) and not isinstance(policy, bool) \
            and policy > 0:
        threads = min(policy, cores)
    else:
        raise ValueError(f"env_cfg.cpu_threads must be 'auto', a positive "
                         f'int or None, got {policy!r}')
    max_workers = max(0, cores - (threads or 1))
    lowered = []
    workers = 0
    for name in LOADERS:
        loader = cfg.get(name)
        if not loader:
            continue
        n = loader.get('num_workers', 0)
        if n > max_workers:
            loader['num_workers'] = max_workers
            if max_workers == 0:
                loader['persistent_workers'] = False
            lowered.append(f'{name}.num_workers {n} -> {max_workers}')
        if name == 'train_dataloader':
            workers = loader['num_workers']
    if threads is None:
        threads = max(1, cores - workers)
    torch.set_num_threads(threads)
    print_log(
        f'CPU threads: {threads} intra-op + {workers} dataloader worker(s) '
        f'on {cores} core(s)' + (f' ({", ".join(lowered)})' if lowered else
                                 '') +
        '; env_cfg.cpu_threads=N or OMP_NUM_THREADS=N to choose',
        logger=logger)
    return threads
