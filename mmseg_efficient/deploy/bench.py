# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Latency of segmentors on several backends, measured interleaved, and
their peak activation memory; shared by ``benchmark.py`` and
``efficiency_report.py``.

A *runner* is a callable that runs one batch-1 inference of one model on one
backend (``pytorch``: the eager tensor-mode forward, optionally
channels-last or ``torch.compile``-d; ``onnxruntime``: the exported ONNX
model). :func:`time_interleaved` times all runners in turns (runner 1, 2,
..., then 1, 2, ... again), so that load changes of a shared machine hit
every model and backend alike and their *ratios* stay meaningful.
"""
import copy
import os.path as osp
import statistics
import time
import weakref
from typing import Callable, Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from torch.utils._python_dispatch import TorchDispatchMode

from ..utils.analysis import latency_stats
from .fuse import prepare_for_deploy
from .runtime import export_onnx, ort_session, run_session

__all__ = [
    'BACKENDS', 'make_runner', 'time_interleaved', 'wait_until_idle',
    'latency_stats',
    'peak_activation_bytes', 'parse_backend', 'check_backends',
    'run_benchmark'
]

BACKENDS = ('pytorch', 'torchscript', 'onnxruntime')


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
            forward, on the cores the next runner needs (it made a small
            onnxruntime model that follows an eager one up to 60% slower).
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
                  progress: Optional[Callable[[], None]] = None
                  ) -> List[dict]:
    """Build every config, make a runner per backend, time all runners
    interleaved; one row (dict) per config and backend.

    A config that fails to build, or a backend that fails to set up (e.g.
    an ONNX export error), gives rows with ``status='failed'`` and
    ``error``; the others go on. ``on_update(rows)`` is called whenever rows
    change (after each setup and each timed round), ``progress()`` after
    each setup step and each round (``len(configs) + warmup + iters``
    calls).

    Row keys: ``config``, ``backend``, ``deploy``, ``status``, ``params``,
    ``gmacs`` (all counted operators, ``get_flops.py``'s number),
    ``conv_gmacs``, ``peak_act_mib`` (with ``peak_memory``), ``shape``,
    ``threads``, ``device``, ``weights``, :func:`latency_stats`' keys and
    ``cpu_median_ms`` (median process CPU time of a run, all threads).
    """
    import shutil
    import tempfile

    from ..utils import build_segmentor, load_config, model_complexity
    specs = [parse_backend(b) for b in backends]
    threads = torch.get_num_threads()
    rows, runners = [], {}
    update = on_update or (lambda rows: None)
    tick = progress or (lambda: None)
    work_dir = tempfile.mkdtemp(prefix='benchmark-')
    common = dict(shape=list(shape), threads=threads,
                  weights=checkpoint or 'random')
    try:
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
                    rows[idx].update(latency_stats(t))
                update(rows)

        time_interleaved(runners, warmup, iters, on_round, cpu)
        for idx, t in cpu.items():
            rows[idx]['cpu_median_ms'] = statistics.median(t)
        update(rows)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    return rows
