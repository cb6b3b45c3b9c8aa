# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Which CPU a timing came from: recorded by ``benchmark.py`` and
``efficiency_report.py`` next to every figure.

A latency or a latency ratio means little without the machine: the same
deploy ratio measured 3.67x on one 2-core machine and 5.35x on a 2-core
AVX2 EPYC. :func:`cpu_info` records the CPU model, the cores the process
may use, the vector ISA (what decides oneDNN's and onnxruntime's kernels)
and the threads of both runtimes; :func:`cpu_summary` is its one line.
"""
import os
import platform
from typing import Dict, List, Optional

import torch

__all__ = ['ISA_LEVELS', 'cpu_info', 'cpu_summary']

#: The ISA levels :func:`cpu_info` reports, lowest first.
ISA_LEVELS = ('baseline', 'SSE4.2', 'AVX', 'AVX2', 'AVX-512', 'AVX-512 VNNI',
              'AMX')

# /proc/cpuinfo flag -> extension name shown (the ones that select kernels)
_FLAGS = (('sse4_2', 'SSE4.2'), ('avx', 'AVX'), ('avx2', 'AVX2'),
          ('fma', 'FMA'), ('avx512f', 'AVX-512'), ('avx512bw', 'AVX-512BW'),
          ('avx512_vnni', 'AVX-512 VNNI'), ('avx_vnni', 'AVX-VNNI'),
          ('avx512_bf16', 'AVX-512 BF16'), ('avx512_fp16', 'AVX-512 FP16'),
          ('amx_tile', 'AMX'), ('amx_bf16', 'AMX-BF16'),
          ('amx_int8', 'AMX-INT8'))


def _read_cpuinfo(path: str = '/proc/cpuinfo') -> Optional[str]:
    try:
        with open(path) as f:
            return f.read()
    except OSError:  # not Linux
        return None


def _isa_level(extensions: List[str]) -> str:
    level = 'baseline'
    for name in ISA_LEVELS[1:]:
        if name in extensions:
            level = name
    return level


def cpu_info(ort_threads: Optional[int] = None,
             cpuinfo_path: str = '/proc/cpuinfo') -> Dict[str, object]:
    """The CPU this process runs on, and the threads both runtimes use.

    Linux: from ``/proc/cpuinfo`` (``model name``, ``flags``, distinct
    ``(physical id, core id)`` pairs). Elsewhere: ``platform.processor()``
    and PyTorch's ``torch.backends.cpu.get_cpu_capability()`` for the ISA;
    ``physical_cores`` is None there.

    Args:
        ort_threads (int, optional): The onnxruntime intra-op threads the
            caller gives its sessions. Default: torch's intra-op threads
            (what ``benchmark.py`` gives them).
        cpuinfo_path (str): Where to read the CPU description.

    Returns:
        dict: ``model`` (str), ``logical_cpus`` (int, of the machine),
        ``available_cpus`` (int, this process' affinity),
        ``physical_cores`` (int or None), ``isa`` (one of
        :data:`ISA_LEVELS`), ``extensions`` (list of str, e.g.
        ``['AVX2', 'FMA', 'AVX-512 BF16']``), ``torch_threads``,
        ``torch_interop_threads``, ``ort_threads`` (int), ``torch``,
        ``onnxruntime`` (versions; None where not installed) and
        ``source`` (where the CPU description came from).
    """
    text = _read_cpuinfo(cpuinfo_path)
    model, flags, cores = None, set(), set()
    if text:
        phys = None
        for line in text.splitlines():
            key, _, value = (s.strip() for s in line.partition(':'))
            if key == 'model name' and model is None:
                model = value
            elif key == 'flags' and not flags:
                flags = set(value.split())
            elif key == 'physical id':
                phys = value
            elif key == 'core id':
                cores.add((phys, value))
    extensions = [name for flag, name in _FLAGS if flag in flags]
    source = 'cpuinfo'
    if not flags:  # off Linux: what PyTorch dispatches to
        source = 'torch'
        capability = torch.backends.cpu.get_cpu_capability()
        extensions = {
            'AVX512': ['AVX', 'AVX2', 'AVX-512'],
            'AVX2': ['AVX', 'AVX2']
        }.get(capability, [])
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        available = os.cpu_count() or 1
    try:
        import onnxruntime
        ort_version = onnxruntime.__version__
    except ImportError:
        ort_version = None
    return dict(
        model=model or platform.processor() or platform.machine()
        or 'unknown',
        logical_cpus=os.cpu_count() or available,
        available_cpus=available,
        physical_cores=len(cores) or None,
        isa=_isa_level(extensions),
        extensions=extensions,
        torch_threads=torch.get_num_threads(),
        torch_interop_threads=torch.get_num_interop_threads(),
        ort_threads=ort_threads or torch.get_num_threads(),
        torch=torch.__version__,
        onnxruntime=ort_version,
        source=source)


def cpu_summary(info: Optional[dict]) -> str:
    """One line for a report header, e.g. ``AMD EPYC, 2 of 2 logical CPUs
    (2 physical cores), AVX-512 VNNI (+ AVX-512 BF16); torch 2 threads,
    onnxruntime 2 intra-op threads``; ``CPU not recorded`` for None (a run
    made before the CPU was recorded)."""
    if not info:
        return 'CPU not recorded'
    cores = (f' ({info["physical_cores"]} physical cores)'
             if info.get('physical_cores') else '')
    extra = [e for e in info.get('extensions', [])
             if e in ('AVX-512 BF16', 'AVX-512 FP16', 'AVX-VNNI', 'AMX-BF16',
                      'AMX-INT8')]
    return (f'{info["model"]}, {info["available_cpus"]} of '
            f'{info["logical_cpus"]} logical CPUs{cores}, {info["isa"]}' +
            (f' (+ {", ".join(extra)})' if extra else '') +
            f'; torch {info["torch_threads"]} threads, onnxruntime '
            f'{info["ort_threads"]} intra-op threads')
