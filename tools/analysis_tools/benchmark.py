# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Latency / FPS of segmentors at batch size 1, on several backends at once.

Unlike mmseg's benchmark.py this needs neither a dataset nor a checkpoint
(random weights are the default: latency does not depend on the values), and
it runs on the CPU as well as on a GPU. Every (config, backend) pair is a
*runner*; all runners are timed **interleaved** (one run of each in turn,
``--warmup`` untimed rounds then ``--iters`` timed ones) so that the load of
a shared machine hits all of them alike, and the median and spread of each
are reported together with params and GMACs (``get_flops.py``'s counter)
and the median process CPU time of a run (all threads; on a machine shared
with other jobs it is far less inflated than the wall time). After each run
the timing waits, untimed, until the process is idle (eager PyTorch's
OpenMP threads spin-wait for milliseconds after a forward, on the cores the
next runner needs).

Every run records the machine (``mmseg_efficient.utils.cpu_info``: CPU
model, logical / physical cores available to the process, ISA level such as
AVX2 / AVX-512 / AVX-512 VNNI / AMX, torch's and onnxruntime's threads) and
times, in the same rounds, a dense-conv probe on each runtime (a 3x3 conv
64 -> 64 at batch 1 on a 128x256 map): each row's achieved GMAC/s (its
GMACs / median latency) is printed with its percentage of that machine
peak. Latencies mean little without the machine: the same deploy ratio was
3.67x on one 2-core machine and 5.35x on another.

Backends: ``pytorch`` (eager tensor-mode forward; ``--channels-last``,
``--compile``), ``torchscript`` (traced, frozen, ``optimize_for_inference``:
oneDNN convs with fused activations) and ``onnxruntime`` (the model
exported to ONNX opset 17 and
run by onnxruntime's CPU provider; ``pip install -e ".[deploy]"``).
``--deploy`` (or ``BACKEND:deploy`` for one backend) measures the deploy
form (``tools/deploy/export.py``: BN folded,
true grouped convs, dropout removed, ESSNet's 1x1-upsampling conv before the
upsampling). A config that fails to build or export is reported as a row
with the reason and the run goes on. ``--out`` JSON is rewritten as results
come in (after each setup and each timed round): ``{"machine": cpu_info,
"peak": {runtime: probe stats}, "command": ..., "rows": [...]}``
(``mmseg_efficient.deploy.bench.load_benchmark_json`` also reads the plain
row lists written before the machine was recorded). The exit status is 1
when any config failed (the message names each, after the other results).

Example (the three ESSNet deploy targets, one run):
    python tools/analysis_tools/benchmark.py \
        mmseg::erfnet/erfnet_fcn_4xb4-160k_cityscapes-512x1024.py \
        configs/essnet/essnet-d_ups_1xb6-75k_cityscapes-512x1024.py \
        configs/essnet/essnet-dg2_ups_1xb6-75k_cityscapes-512x1024.py \
        --backend pytorch pytorch:deploy onnxruntime:deploy --threads 2 \
        --shape 512 1024 --iters 10 --out bench.json
"""
import argparse
import json
import os
import os.path as osp
import shlex
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401
import torch  # noqa: E402

from mmseg_efficient.deploy.bench import (BACKENDS, PROBE,  # noqa: E402
                                          check_backends, run_benchmark)
from mmseg_efficient.deploy.runtime import ORT_OPT_LEVELS  # noqa: E402
from mmseg_efficient.utils import (CfgOptionsAction, cpu_info,  # noqa
                                   cpu_summary)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Latency/FPS of segmentors at batch size 1, several '
        'backends, interleaved')
    parser.add_argument('config', nargs='+',
                        help='config file(s) (or mmseg::path); all are '
                        'measured in one run, interleaved')
    parser.add_argument('--checkpoint', help='optional weights to load')
    parser.add_argument('--shape', type=int, nargs=2, default=[512, 1024],
                        metavar=('H', 'W'), help='input size')
    parser.add_argument('--backend', nargs='+', default=['pytorch'],
                        metavar='BACKEND',
                        help='one or several of ' + ', '.join(BACKENDS) +
                        ', each optionally with ":deploy" (the deploy form '
                        'on that backend only); default pytorch')
    parser.add_argument('--deploy', action='store_true',
                        help='measure the deploy form on every backend (BN '
                        'folded, grouped convs, dropout removed)')
    parser.add_argument('--channels-last', action='store_true',
                        help='pytorch backend: channels-last memory format')
    parser.add_argument('--compile', action='store_true',
                        help='pytorch backend: torch.compile the model')
    parser.add_argument('--ort-opt', default='all',
                        choices=list(ORT_OPT_LEVELS),
                        help='onnxruntime graph optimisation level')
    parser.add_argument('--device', default='cuda' if
                        torch.cuda.is_available() else 'cpu',
                        help='cpu or cuda for pytorch (default: cuda if '
                        'available); onnxruntime runs on the CPU')
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--threads', type=int, default=None,
                        help='CPU threads of torch and onnxruntime '
                        '(default: torch default)')
    parser.add_argument('--no-flops', action='store_true',
                        help='skip the GMACs count (faster)')
    parser.add_argument('--out', help='write the results as JSON here')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override some settings in the used config (key=value)')
    args = parser.parse_args(argv)
    if args.checkpoint and len(args.config) > 1:
        parser.error('--checkpoint goes with a single config')
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        parser.error(f'--device {args.device}: CUDA is not available')
    if args.warmup < 0 or args.iters < 1:
        parser.error('--warmup must be >= 0 and --iters >= 1')
    try:
        check_backends(args.backend)
    except ValueError as e:
        parser.error(f'--backend: {e}')
    return args


def _write(path, payload):
    """Rewrite the JSON atomically (a reader never sees half a file)."""
    if not path:
        return
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as f:
        json.dump(payload, f, indent=2)
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    machine = cpu_info(ort_threads=threads)
    print(f'machine: {cpu_summary(machine)}')
    info = {}
    command = 'python tools/analysis_tools/benchmark.py ' + shlex.join(
        sys.argv[1:] if argv is None else argv)

    def payload(rows):
        return dict(machine=machine, peak=info.get('peak'), command=command,
                    rows=rows)

    rows = run_benchmark(
        args.config, args.backend, args.shape, deploy=args.deploy,
        channels_last=args.channels_last, compile=args.compile,
        ort_opt=args.ort_opt, warmup=args.warmup, iters=args.iters,
        checkpoint=args.checkpoint, cfg_options=args.cfg_options,
        device=args.device, flops=not args.no_flops, info=info,
        on_update=lambda rows: _write(args.out, payload(rows)))
    for kind, probe in info.get('peak', {}).items():
        print(f'machine peak, {kind}: {probe["gmacs_per_s"]:.1f} GMAC/s '
              f'({PROBE}: median {probe["median_ms"]:.2f} ms)')
    for row in rows:
        name = osp.basename(row['config'])
        tag = row['backend'] + (', deploy' if row['deploy'] else '')
        if row['status'] != 'ok':
            print(f'{name} [{tag}]: FAILED ({row["error"]})')
            continue
        gmacs = (f', {row["gmacs"]:.3f} GMACs'
                 if row.get('gmacs') is not None else '')
        if row.get('gmacs_per_s') is not None:
            gmacs += f' = {row["gmacs_per_s"]:.1f} GMAC/s'
            if row.get('peak_pct') is not None:
                gmacs += f' ({row["peak_pct"]:.0f}% of the machine peak)'

        print(f'{name} [{tag}]: median {row["median_ms"]:.1f} ms (mean '
              f'{row["mean_ms"]:.1f} ± {row["stdev_ms"]:.1f}, min '
              f'{row["min_ms"]:.1f}, max {row["max_ms"]:.1f}) = '
              f'{row["fps"]:.2f} FPS at batch 1, CPU time '
              f'{row["cpu_median_ms"]:.1f} ms, {args.iters} runs after '
              f'{args.warmup} warm-up, {row["device"]}, {threads} threads, '
              f'input {args.shape[0]}x{args.shape[1]}, '
              f'{row["params"] / 1e6:.3f}M params{gmacs}')
    ok = [r for r in rows if r['status'] == 'ok']
    if len(ok) > 1:
        base = ok[0]
        for r in ok[1:]:
            print(f'{osp.basename(r["config"])} [{_tag(r)}] vs '
                  f'{osp.basename(base["config"])} [{_tag(base)}]: '
                  f'latency ratio {r["median_ms"] / base["median_ms"]:.3f}')
    _write(args.out, payload(rows))
    failed = [r for r in rows if r['status'] != 'ok']
    if failed:  # the results that did come in are printed and written
        raise SystemExit(
            f'benchmark.py: {len(failed)} of {len(rows)} runs failed: ' +
            '; '.join(f'{r["config"]} [{_tag(r)}]: {r["error"]}'
                      for r in failed))
    return rows


def _tag(row):
    return row['backend'] + (':deploy' if row['deploy'] else '')


if __name__ == '__main__':
    main()
