# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Latency of segmentors on several backends, measured interleaved, and
their peak activation memory; shared by ``benchmark.py`` and
``efficiency_report.py``.

A *runner* is a callable that runs one batch-1 inference of one model on one
backend (``pytorch``: the eager tensor-mode forward, optionally
channels-last or ``torch.compile``-d; ``onnxruntime``: the exported ONNX
model). :func:`time_interleaved` times all runners in turns (runner 1, 2,
..., then 1, 2, ... again), so that load changes of a shared machine hit
every model and backend alike and their *ratios* stay meaningful; after
each run it waits, untimed, until the process is idle
(:func:`wait_until_idle`), so that eager PyTorch's spinning OpenMP threads
do not slow the runner after it.

Every run also times the machine's *dense-conv probe* (a 3x3 conv 64 -> 64
at batch 1 on a 128x256 map, :func:`make_probe_runner`) on each runtime, in
the same rounds: each row's achieved GMAC/s (its GMACs / median latency) is
given as a percentage of that peak (``gmacs_per_s``, ``peak_pct``).

:func:`run_chunked` splits many configs into chunks, each timed in a fresh
process with the same *anchor* configs: a chunk holds about as many
runners as a dedicated run, nothing of the other chunks stays resident
(oneDNN's primitive caches hold 1024 convolutions, a round of 77 networks
has thousands; each onnxruntime session keeps its arena and thread pool),
and the anchors' per-chunk medians show how the machine's load moved.
"""
import copy
import multiprocessing
import os
import os.path as osp
import queue as queue_lib
import statistics
import time
import traceback
import warnings
import weakref
from typing import Callable, Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from torch.utils._python_dispatch import TorchDispatchMode

from ..utils.analysis import latency_stats
from .fuse import prepare_for_deploy
from .runtime import export_onnx, ort_session, run_session

__all__ = [
    'BACKENDS', 'PROBE', 'PROBE_GMACS', 'make_runner', 'make_probe_runner',
    'time_interleaved', 'wait_until_idle', 'latency_stats',
    'peak_activation_bytes', 'parse_backend', 'check_backends',
    'add_throughput', 'run_benchmark', 'plan_chunks', 'run_chunked',
    'load_benchmark_json'
]

BACKENDS = ('pytorch', 'torchscript', 'onnxruntime')

#: The dense-conv probe: a 3x3 conv, 64 -> 64 channels, no bias, batch 1,
#: on a 128x256 map (compute-bound on any CPU: 64 channels fill AVX-512).
PROBE = '3x3 conv 64->64, batch 1, 128x256'
_PROBE_SHAPE = (128, 256)
#: Its multiply-accumulates (/ 1e9).
PROBE_GMACS = 64 * 64 * 3 * 3 * _PROBE_SHAPE[0] * _PROBE_SHAPE[1] / 1e9


def make_runner(model: nn.Module,
                backend: str,
                shape: Sequence[int],
                deploy: bool = False,
                channels_last: bool = False,
                compile: bool = False,
                threads: Optional[int] = None,
                ort_opt: str = 'all',
                work_dir: Optional[str] = None,
                name: str = 'model') -> Callable[[], None]:
    """A callable that runs one inference of ``model`` on ``backend``.

    ``torchscript`` is the model traced, frozen and passed through
    ``torch.jit.optimize_for_inference`` (oneDNN convs with fused
    activations on the CPU).

    Args:
        model (nn.Module): An eval-mode segmentor (it is copied when
            ``deploy`` is set, never changed).
        backend (str): 'pytorch', 'torchscript' or 'onnxruntime'.
        shape (Sequence[int]): (H, W) of the batch-1 random input.
        deploy (bool): Measure the deploy form (:func:`prepare_for_deploy`:
            BN folded, grouped convs, dropout removed, deploy switches).
        channels_last (bool): PyTorch: NHWC memory format for the weights
            and the input.
        compile (bool): PyTorch: ``torch.compile`` the tensor forward (it is
            compiled here, by one warm-up call).
        threads (int, optional): onnxruntime intra-op threads (PyTorch uses
            ``torch.set_num_threads``, set by the caller).
        ort_opt (str): onnxruntime graph optimisation level.
        work_dir (str, optional): Folder for the ONNX file (required for
            onnxruntime).
        name (str): File stem of the ONNX file.
    """
    if backend not in BACKENDS:
        raise ValueError(f'backend must be one of {BACKENDS}, got '
                         f'{backend!r}')
    if deploy:
        model = copy.deepcopy(model)
        # traced at the measured size (models with fixed pooling windows,
        # e.g. LRASPP's, need it)
        prepare_for_deploy(model, shape=shape, allow_alpha=True)
    device = next(model.parameters()).device
    x = torch.rand(1, 3, *shape, device=device)
    if backend == 'onnxruntime':
        if work_dir is None:
            raise ValueError('onnxruntime needs a work_dir for the ONNX file')
        if device.type != 'cpu':
            model = copy.deepcopy(model).cpu()
            x = x.cpu()
        path = osp.join(work_dir, f'{name}.onnx')
        export_onnx(model, path, shape)
        session = ort_session(path, threads=threads, opt_level=ort_opt)
        x_np = x.numpy()
        return lambda: run_session(session, x_np)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    cuda = device.type == 'cuda'
    if backend == 'torchscript':
        from ..utils.analysis import TensorForward
        with torch.no_grad():
            scripted = torch.jit.optimize_for_inference(
                torch.jit.freeze(
                    torch.jit.trace(TensorForward(model).eval(), (x, ))))

        def run_script():
            with torch.no_grad():
                scripted(x)
            if cuda:
                torch.cuda.synchronize()

        return run_script
    forward = model.forward

    def run_eager():
        return forward(x, mode='tensor')

    fn = run_eager
    if compile:
        from ..utils.analysis import TensorForward
        compiled = torch.compile(TensorForward(model))

        def fn():
            return compiled(x)

    def run():
        with torch.no_grad():
            fn()
        if cuda:
            torch.cuda.synchronize()

    return run


def make_probe_runner(backend: str,
                      threads: Optional[int] = None,
                      work_dir: Optional[str] = None) -> Callable[[], None]:
    """The dense-conv probe (:data:`PROBE`) on ``'pytorch'`` (eager, on the
    CPU) or ``'onnxruntime'`` (exported, a session with ``threads``
    intra-op threads, the benchmark's session options): the machine's
    achievable GMAC/s for a plain dense convolution on that runtime."""
    if backend not in ('pytorch', 'onnxruntime'):
        raise ValueError(f"probe backend must be 'pytorch' or "
                         f"'onnxruntime', got {backend!r}")
    generator = torch.Generator().manual_seed(0)
    conv = nn.Conv2d(64, 64, 3, padding=1, bias=False).eval()
    with torch.no_grad():
        conv.weight.copy_(torch.randn(conv.weight.shape,
                                      generator=generator) * 0.05)
    x = torch.rand(1, 64, *_PROBE_SHAPE, generator=generator)
    if backend == 'onnxruntime':
        if work_dir is None:
            raise ValueError('onnxruntime needs a work_dir for the ONNX file')
        path = osp.join(work_dir, 'probe_conv3x3.onnx')
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter('ignore')
            torch.onnx.export(conv, (x, ), path, input_names=['input'],
                              output_names=['output'], opset_version=17,
                              dynamo=False)
        session = ort_session(path, threads=threads)
        x_np = x.numpy()
        return lambda: run_session(session, x_np)

    def run():
        with torch.no_grad():
            conv(x)

    return run


def _probe_backend(backend: str) -> str:
    """The probe a row is compared with: onnxruntime's for onnxruntime,
    eager PyTorch's (oneDNN, as TorchScript's) for the others."""
    return 'onnxruntime' if backend == 'onnxruntime' else 'pytorch'


def add_throughput(rows: List[dict], peak: Dict[str, dict]) -> None:
    """Set, in place, each timed row's ``gmacs_per_s`` (its ``gmacs`` /
    median latency) and ``peak_pct`` (that as a percentage of the probe's
    GMAC/s on its runtime, ``peak[backend]['gmacs_per_s']``; None where the
    probe is missing). Rows without GMACs or times get neither."""
    for row in rows:
        if row.get('gmacs') is None or not row.get('median_ms'):
            continue
        row['gmacs_per_s'] = row['gmacs'] / (row['median_ms'] / 1e3)
        probe = peak.get(_probe_backend(row['backend'])) or {}
        row['peak_pct'] = (100 * row['gmacs_per_s'] / probe['gmacs_per_s']
                           if probe.get('gmacs_per_s') else None)


def _probe_stats(times: List[float]) -> dict:
    stats = latency_stats(times)
    return dict(stats, what=PROBE, gmacs=PROBE_GMACS,
                gmacs_per_s=PROBE_GMACS / (stats['median_ms'] / 1e3),
                times_ms=list(times))


def time_interleaved(runners: Dict[str, Callable[[], None]],
                     warmup: int = 3,
                     iters: int = 10,
                     on_round: Optional[Callable[[Dict[str, List[float]]],
                                                 None]] = None,
                     times_cpu: Optional[Dict[str, List[float]]] = None,
                     settle: bool = True) -> Dict[str, List[float]]:
    """Time every runner ``warmup + iters`` times in turns.

    Args:
        runners (dict): name -> runner.
        warmup (int): Untimed rounds first.
        iters (int): Timed rounds.
        on_round (callable, optional): Called with the times so far after
            each round, warm-up ones included (whose lists are empty), e.g.
            to write partial results.
        times_cpu (dict, optional): Filled with name -> process CPU time
            (ms, all threads) of each timed run: on a machine shared with
            other jobs it grows much less than the wall time does.
        settle (bool): After each run, wait (untimed) until the process'
            threads stopped spinning (:func:`wait_until_idle`): eager
            PyTorch's OpenMP threads spin-wait for milliseconds after each
            forward, on the cores the next runner needs (the deployed
            ESSNet-DG2 under onnxruntime, 128x256, 2 threads, timed right
            after an eager forward: 11.2 ms instead of 8.1 ms).
            Default: True.

    Returns:
        dict: name -> list of ``iters`` latencies in ms.
    """
    if warmup < 0 or iters < 1:
        raise ValueError(f'warmup must be >= 0 and iters >= 1, got '
                         f'warmup={warmup}, iters={iters}')
    times_cpu = {} if times_cpu is None else times_cpu
    times = {name: [] for name in runners}
    cpu_times = {name: [] for name in runners}
    for i in range(warmup + iters):
        for name, run in runners.items():
            cpu_start = time.process_time()
            start = time.perf_counter()
            run()
            if i >= warmup:
                times[name].append((time.perf_counter() - start) * 1e3)
                cpu_times[name].append(
                    (time.process_time() - cpu_start) * 1e3)
            if settle:
                wait_until_idle()
        if on_round is not None:
            on_round(times)
    times_cpu.update(cpu_times)
    return times


def wait_until_idle(busy: float = 0.2, step_s: float = 0.001,
                    max_s: float = 0.1) -> float:
    """Sleep in steps of ``step_s`` until the process used less than
    ``busy`` cores during one (its threads stopped spinning), at most
    ``max_s``; returns the seconds waited.

    libgomp's threads (eager PyTorch) spin-wait after each parallel region
    for a few milliseconds (``OMP_WAIT_POLICY``/``GOMP_SPINCOUNT``); timed
    right after, another runner shares the cores with them.
    """
    start = time.perf_counter()
    while True:
        cpu, wall = time.process_time(), time.perf_counter()
        time.sleep(step_s)
        used = (time.process_time() - cpu) / (time.perf_counter() - wall)
        if used < busy or time.perf_counter() - start >= max_s:
            return time.perf_counter() - start


class _LiveBytes(TorchDispatchMode):
    """Tracks the bytes of tensor storages created by the dispatched ops
    and alive, and their peak (storages shared by views count once)."""

    def __init__(self):
        super().__init__()
        self.refs = {}  # storage ptr -> [python tensors alive, nbytes]
        self.current = 0
        self.peak = 0

    def _release(self, ptr):
        entry = self.refs.get(ptr)
        if entry is None:
            return
        entry[0] -= 1
        if entry[0] == 0:
            self.current -= entry[1]
            del self.refs[ptr]

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        outs = out if isinstance(out, (list, tuple)) else [out]
        for t in outs:
            if not isinstance(t, torch.Tensor):
                continue
            storage = t.untyped_storage()
            ptr = storage.data_ptr()
            if ptr == 0:
                continue
            if ptr not in self.refs:
                self.refs[ptr] = [0, storage.nbytes()]
                self.current += storage.nbytes()
                self.peak = max(self.peak, self.current)
            self.refs[ptr][0] += 1
            weakref.finalize(t, self._release, ptr)
        return out


def peak_activation_bytes(model: nn.Module, shape: Sequence[int]) -> int:
    """Peak bytes of the tensors a batch-1 eager tensor-mode forward
    allocates (activations and workspaces that reach Python; the weights
    and the input are not counted)."""
    x = torch.rand(1, 3, *shape, device=next(model.parameters()).device)
    tracker = _LiveBytes()
    with torch.no_grad(), tracker:
        out = model(x, mode='tensor')
    del out
    return tracker.peak


def check_backends(specs: Sequence[str]) -> None:
    """Raise ValueError for an unknown backend spec, or when an
    onnxruntime one is asked for and onnxruntime is missing (saying how to
    install it)."""
    for spec in specs:
        parse_backend(spec)
    if any(parse_backend(s)[0] == 'onnxruntime' for s in specs):
        from .runtime import require
        try:
            require('onnxruntime')
        except ImportError as e:
            raise ValueError(str(e)) from e


def parse_backend(spec: str):
    """``'pytorch'``, ``'onnxruntime'``, or either with ``':deploy'``
    (measure the deploy form) -> ``(backend, deploy)``."""
    name, _, flag = spec.partition(':')
    if name not in BACKENDS or flag not in ('', 'deploy'):
        raise ValueError(f'Unknown backend {spec!r}: expected one of '
                         f'{list(BACKENDS)}, optionally with ":deploy"')
    return name, flag == 'deploy'


def _short(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return f'{type(exc).__name__}: {msg[0] if msg else ""}'[:300]


def run_benchmark(configs: Sequence[str],
                  backends: Sequence[str] = ('pytorch', ),
                  shape: Sequence[int] = (512, 1024),
                  deploy: bool = False,
                  channels_last: bool = False,
                  compile: bool = False,
                  ort_opt: str = 'all',
                  warmup: int = 3,
                  iters: int = 10,
                  checkpoint: Optional[str] = None,
                  cfg_options: Optional[dict] = None,
                  device: str = 'cpu',
                  flops: bool = True,
                  peak_memory: bool = False,
                  on_update: Optional[Callable[[List[dict]], None]] = None,
                  progress: Optional[Callable[[], None]] = None,
                  probe: bool = True,
                  info: Optional[dict] = None) -> List[dict]:
    """Build every config, make a runner per backend, time all runners
    interleaved (with the dense-conv probe of each runtime, ``probe``); one
    row (dict) per config and backend.

    A config that fails to build, or a backend that fails to set up (e.g.
    an ONNX export error), gives rows with ``status='failed'`` and
    ``error``; the others go on. ``on_update(rows)`` is called whenever rows
    change (after each setup and each timed round), ``progress()`` after
    each setup step and each round (``len(configs) + warmup + iters``
    calls).

    Row keys: ``config``, ``backend``, ``deploy``, ``status``, ``params``,
    ``gmacs`` (all counted operators, ``get_flops.py``'s number),
    ``conv_gmacs``, ``peak_act_mib`` (with ``peak_memory``), ``shape``,
    ``threads``, ``device``, ``weights``, :func:`latency_stats`' keys,
    ``times_ms`` (every timed run), ``cpu_median_ms`` (median process CPU
    time of a run, all threads) and, with ``flops`` and ``probe``,
    ``gmacs_per_s`` and ``peak_pct`` (:func:`add_throughput`).

    ``info`` (a dict), if given, receives ``peak``: per probe runtime
    (``'pytorch'`` on a CPU device, ``'onnxruntime'`` when a backend uses
    it) the probe's :func:`latency_stats`, ``gmacs``, ``gmacs_per_s`` and
    ``times_ms``.
    """
    import shutil
    import tempfile

    from ..utils import build_segmentor, load_config, model_complexity
    specs = [parse_backend(b) for b in backends]
    threads = torch.get_num_threads()
    rows, runners = [], {}
    update = on_update or (lambda rows: None)
    tick = progress or (lambda: None)
    info = {} if info is None else info
    work_dir = tempfile.mkdtemp(prefix='benchmark-')
    common = dict(shape=list(shape), threads=threads,
                  weights=checkpoint or 'random')
    try:
        probes = []
        if probe:
            kinds = {_probe_backend(b) for b, _ in specs}
            probes = [k for k in ('pytorch', 'onnxruntime') if k in kinds
                      and (k == 'onnxruntime' or device == 'cpu')]
        for kind in probes:  # first in every round
            runners[f'probe:{kind}'] = make_probe_runner(kind, threads,
                                                         work_dir)
        for ci, config in enumerate(configs):
            base = dict(config=config, **common)
            try:
                cfg = load_config(config, cfg_options)
                # a gradual-grouping config as the network it deploys to
                model = build_segmentor(cfg, checkpoint, device=device,
                                        grouped=True)
                base['params'] = sum(p.numel() for p in model.parameters())
                if flops:
                    cx = model_complexity(model, shape)
                    base.update(gmacs=cx['gmacs'],
                                conv_gmacs=cx['conv_gmacs'])
                if peak_memory:
                    base['peak_act_mib'] = peak_activation_bytes(
                        model, shape) / 2**20
            except Exception as e:  # a failing config is a row
                for backend, dep in specs:
                    rows.append(dict(base, backend=backend,
                                     deploy=dep or deploy, status='failed',
                                     error=f'build: {_short(e)}'))
                update(rows)
                tick()
                continue
            for si, (backend, dep) in enumerate(specs):
                dep = dep or deploy
                row = dict(base, backend=backend, deploy=dep,
                           device='cpu' if backend == 'onnxruntime'
                           else device,
                           channels_last=channels_last
                           and backend == 'pytorch',
                           compile=compile and backend == 'pytorch')
                try:
                    runners[len(rows)] = make_runner(
                        model, backend, shape, deploy=dep,
                        channels_last=channels_last, compile=compile,
                        threads=threads, ort_opt=ort_opt,
                        work_dir=work_dir, name=f'model{ci}_{si}')
                    row['status'] = 'ok'
                except Exception as e:
                    row.update(status='failed',
                               error=f'{backend}: {_short(e)}')
                rows.append(row)
                update(rows)
            tick()

        cpu = {}

        def on_round(times):
            tick()
            if any(times.values()):
                for idx, t in times.items():
                    if isinstance(idx, int):
                        rows[idx].update(latency_stats(t), times_ms=list(t))
                update(rows)

        times = time_interleaved(runners, warmup, iters, on_round, cpu)
        for idx, t in cpu.items():
            if isinstance(idx, int):
                rows[idx]['cpu_median_ms'] = statistics.median(t)
        info['peak'] = {
            kind: _probe_stats(times[f'probe:{kind}'])
            for kind in probes
        }
        add_throughput(rows, info['peak'])
        update(rows)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    return rows


def plan_chunks(configs: Sequence[str], chunk_size: int,
                anchors: Sequence[str] = ()) -> List[List[str]]:
    """The configs of each chunk of :func:`run_chunked`: the anchors, then
    up to ``chunk_size`` of the other configs (in their order). An anchor
    that is also in ``configs`` is measured as an anchor only."""
    if chunk_size < 1:
        raise ValueError(f'chunk_size must be >= 1, got {chunk_size}')
    anchors = list(dict.fromkeys(anchors))
    rest = [c for c in configs if c not in anchors]
    chunks = [anchors + rest[i:i + chunk_size]
              for i in range(0, len(rest), chunk_size)]
    return chunks or [anchors]


def _chunk_worker(messages, threads: int, configs: List[str],
                  kwargs: dict) -> None:
    """One chunk in a fresh process: :func:`run_benchmark`, its updates,
    ticks and result (or the traceback) sent through ``messages``."""
    torch.set_num_threads(threads)
    info = dict(pid=os.getpid())
    try:
        rows = run_benchmark(
            configs, info=info,
            on_update=lambda rows: messages.put(('rows', rows)),
            progress=lambda: messages.put(('tick', None)), **kwargs)
        messages.put(('done', (rows, info)))
    except BaseException:  # noqa: B902 - sent to the parent, which raises
        messages.put(('error', traceback.format_exc()))


def _key(row):
    return row['config'], row['backend'], row['deploy']


def _merge_anchor_rows(chunk_rows: List[List[dict]]) -> List[dict]:
    """One row per anchor (config, backend): the timed runs of all chunks
    pooled, ``chunk_medians`` the median of each chunk."""
    merged = {}
    for rows in chunk_rows:
        for row in rows:
            ok = row.get('status') == 'ok' and row.get('times_ms')
            prev = merged.get(_key(row))
            if prev is None or (ok and prev.get('status') != 'ok'):
                merged[_key(row)] = dict(
                    row, chunk_medians=[row['median_ms']] if ok else [],
                    times_ms=list(row['times_ms']) if ok else [],
                    cpu_medians=[row.get('cpu_median_ms')] if ok else [])
            elif ok and prev.get('status') == 'ok':
                prev['chunk_medians'].append(row['median_ms'])
                prev['times_ms'] += row['times_ms']
                prev['cpu_medians'].append(row.get('cpu_median_ms'))
    out = []
    for row in merged.values():
        cpu = [c for c in row.pop('cpu_medians') if c is not None]
        if row.get('times_ms'):
            row.update(latency_stats(row['times_ms']))
        if cpu:
            row['cpu_median_ms'] = statistics.median(cpu)
        out.append(row)
    return out


def _run_in_process(context, args, tick, on_rows):
    """:func:`_chunk_worker` with ``args`` in a fresh process of
    ``context``, relaying its ticks and rows; ``(result, error traceback,
    exit code)``, result None when it died without one."""
    messages = context.Queue()
    proc = context.Process(target=_chunk_worker, args=(messages, *args))
    proc.start()
    result = error = None
    try:
        while result is None and error is None:
            try:
                kind, payload = messages.get(timeout=0.5)
            except queue_lib.Empty:
                if proc.is_alive():
                    continue
                try:  # sent just before it ended
                    kind, payload = messages.get(timeout=0.5)
                except queue_lib.Empty:
                    break
            if kind == 'tick':
                tick()
            elif kind == 'rows':
                on_rows(payload)
            elif kind == 'done':
                result = payload
            else:
                error = payload
        proc.join()
    finally:  # interrupted: the chunk's process goes too
        if proc.is_alive():
            proc.terminate()
            proc.join()
    return result, error, proc.exitcode


def run_chunked(configs: Sequence[str],
                chunk_size: int = 8,
                anchors: Sequence[str] = (),
                on_update: Optional[Callable[[List[dict]], None]] = None,
                progress: Optional[Callable[[], None]] = None,
                info: Optional[dict] = None,
                **kwargs) -> List[dict]:
    """:func:`run_benchmark` on many configs, in chunks of ``chunk_size``
    configs, each in a fresh (spawned) process with the ``anchors`` added
    (:func:`plan_chunks`); every chunk's runners are timed interleaved as
    in one run, and released with their process.

    Runners resident in one process share its caches, memory and cores: a
    round of 77 networks holds thousands of distinct convolutions, more
    than the 1024 that oneDNN's primitive cache and ideep's computation
    cache keep, so every eager forward re-creates its primitives; each
    onnxruntime session keeps its arena and thread pool. A chunk holds
    about as many runners as a dedicated ``benchmark.py`` run does.

    The anchors' rows pool the timed runs of all chunks (``chunk_medians``:
    the median of each, the spread shows how the machine's load moved
    between chunks); the other rows are their chunk's. Each row's
    ``peak_pct`` is against the probe of its own chunk (same rounds); the
    anchors' against the pooled probe. A chunk whose process dies (e.g.
    killed for memory) gives failed rows naming the exit code; the others
    go on.

    Args:
        configs (Sequence[str]): As :func:`run_benchmark`.
        chunk_size (int): Configs per chunk besides the anchors.
        anchors (Sequence[str]): Configs timed in every chunk.
        on_update, progress: As :func:`run_benchmark` (``progress`` gets
            ``len(chunk) + warmup + iters`` calls per chunk).
        info (dict, optional): Receives ``peak`` (the probes pooled over
            the chunks, with ``chunk_medians``) and ``chunks`` (``count``,
            ``chunk_size``, ``anchors`` and the ``pids`` of the processes
            that timed them).
        **kwargs: The other arguments of :func:`run_benchmark` (picklable;
            no callbacks).

    Returns:
        list[dict]: The anchors' rows, then the others' in chunk order.
    """
    chunks = plan_chunks(configs, chunk_size, anchors)
    update = on_update or (lambda rows: None)
    tick = progress or (lambda: None)
    info = {} if info is None else info
    threads = torch.get_num_threads()
    context = multiprocessing.get_context('spawn')
    done_rows, anchor_rows, peaks, pids = [], [], [], []
    n_anchor = len(dict.fromkeys(anchors))

    def combined(current=()):
        merged = _merge_anchor_rows(
            anchor_rows + [[r for r in current if r['config'] in anchors]])
        return merged + done_rows + [
            r for r in current if r['config'] not in anchors
        ]

    for chunk in chunks:
        current = []

        def on_rows(rows):
            current[:] = rows
            update(combined(rows))

        result, error, exitcode = _run_in_process(
            context, (threads, chunk, kwargs), tick, on_rows)
        if error is not None:
            raise RuntimeError(f'benchmark chunk {chunk} failed:\n{error}')
        if result is None:  # the process died: its configs are failed rows
            reason = (f'benchmark process died (exit code {exitcode}) '
                      f'timing the chunk {[osp.basename(c) for c in chunk]}')
            done_rows += [
                dict(r, status='failed', error=reason)
                for r in current if r['config'] not in anchors
            ]
            measured = {r['config'] for r in current}
            done_rows += [
                dict(config=c, backend=b,
                     deploy=d or kwargs.get('deploy', False),
                     status='failed', error=reason)
                for c in chunk[n_anchor:] if c not in measured
                for b, d in (parse_backend(s)
                             for s in kwargs.get('backends', ('pytorch', )))
            ]
            update(combined())
            continue
        rows, chunk_info = result
        anchor_rows.append([r for r in rows if r['config'] in anchors])
        done_rows += [r for r in rows if r['config'] not in anchors]
        peaks.append(chunk_info.get('peak', {}))
        pids.append(chunk_info['pid'])
        update(combined())
    pooled = {}
    for kind in ('pytorch', 'onnxruntime'):
        times = [t for p in peaks if kind in p for t in p[kind]['times_ms']]
        if times:
            pooled[kind] = dict(
                _probe_stats(times),
                chunk_medians=[p[kind]['median_ms'] for p in peaks
                               if kind in p])
    rows = combined()
    add_throughput([r for r in rows if r['config'] in anchors], pooled)
    info.update(peak=pooled, chunks=dict(count=len(chunks),
                                         chunk_size=chunk_size,
                                         anchors=list(anchors), pids=pids))
    update(rows)
    return rows


def load_benchmark_json(path: str) -> dict:
    """A ``benchmark.py --out`` file as ``{'machine', 'peak', 'rows', ...}``;
    files written before the CPU was recorded (a list of rows) give
    ``machine`` and ``peak`` None."""
    import json
    with open(path) as f:
        data = json.load(f)
    if isinstance(data, list):
        return dict(machine=None, peak=None, rows=data)
    if not isinstance(data, dict) or not isinstance(data.get('rows'), list):
        raise ValueError(f'{path} is not a benchmark.py JSON (a list of '
                         'rows, or a dict with "rows")')
    return dict(data, machine=data.get('machine'), peak=data.get('peak'))
