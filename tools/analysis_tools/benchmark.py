# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Latency / FPS of segmentors at batch size 1, on several backends at once.

Unlike mmseg's benchmark.py this needs neither a dataset nor a checkpoint
(random weights are the default: latency does not depend on the values), and
it runs on the CPU as well as on a GPU. Every (config, backend) pair is a
*runner*; all runners are timed **interleaved** (one run of each in turn,
``--warmup`` untimed rounds then ``--iters`` timed ones) so that the load of
a shared machine hits all of them alike, and the median and spread of each
are reported together with params and GMACs (``get_flops.py``'s counter).

Backends: ``pytorch`` (eager tensor-mode forward; ``--channels-last``,
``--compile``) and ``onnxruntime`` (the model exported to ONNX opset 17 and
run by onnxruntime's CPU provider; ``pip install -e ".[deploy]"``).
``--deploy`` measures the deploy form (``tools/deploy/export.py``: BN folded,
true grouped convs, dropout removed, ESSNet's 1x1-upsampling conv before the
upsampling). A config that fails to build or export is reported as a row
with the reason and the run goes on. ``--out`` JSON is rewritten as results
come in (after each setup and each timed round).

Example (the three ESSNet targets of issue 13, one run):
    python tools/analysis_tools/benchmark.py \
        mmseg::erfnet/erfnet_fcn_4xb4-160k_cityscapes-512x1024.py \
        configs/essnet/essnet-d_ups_1xb6-75k_cityscapes-512x1024.py \
        configs/essnet/essnet-dg2_ups_1xb6-75k_cityscapes-512x1024.py \
        --backend pytorch onnxruntime --deploy --threads 2 \
        --shape 512 1024 --iters 10 --out bench.json
"""
import argparse
import json
import os
import os.path as osp
import sys
import tempfile
import traceback

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401
import torch  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

from mmseg_efficient.deploy.bench import (BACKENDS, latency_stats,  # noqa
                                          make_runner, time_interleaved)
from mmseg_efficient.deploy.runtime import ORT_OPT_LEVELS  # noqa: E402
from mmseg_efficient.utils import (build_segmentor, load_config,  # noqa
                                   model_complexity)


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
                        choices=BACKENDS,
                        help='one or several backends (default pytorch)')
    parser.add_argument('--deploy', action='store_true',
                        help='measure the deploy form (BN folded, grouped '
                        'convs, dropout removed)')
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
        action=DictAction,
        help='override some settings in the used config (key=value)')
    args = parser.parse_args(argv)
    if args.checkpoint and len(args.config) > 1:
        parser.error('--checkpoint goes with a single config')
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        parser.error(f'--device {args.device}: CUDA is not available')
    if args.warmup < 0 or args.iters < 1:
        parser.error('--warmup must be >= 0 and --iters >= 1')
    if 'onnxruntime' in args.backend:
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            parser.error('--backend onnxruntime needs onnx and onnxruntime: '
                         'pip install -e ".[deploy]"')
    return args


def _short(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return f'{type(exc).__name__}: {msg[0] if msg else ""}'[:300]


def _write(path, rows):
    if not path:
        return
    tmp = f'{path}.tmp'
    with open(tmp, 'w') as f:
        json.dump(rows, f, indent=2)
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    rows, runners = [], {}
    work_dir = tempfile.mkdtemp(prefix='benchmark-')
    common = dict(shape=list(args.shape), threads=threads,
                  deploy=args.deploy, weights=args.checkpoint or 'random')
    for ci, config in enumerate(args.config):
        base = dict(config=config, **common)
        try:
            cfg = load_config(config, args.cfg_options)
            model = build_segmentor(cfg, args.checkpoint, device=args.device)
            base['params'] = sum(p.numel() for p in model.parameters())
            base['gmacs'] = None if args.no_flops else model_complexity(
                model, args.shape)['gmacs']
        except Exception as e:  # a failing config is a row, not a crash
            for backend in args.backend:
                rows.append(dict(base, backend=backend, status='failed',
                                 error=f'build: {_short(e)}'))
            print(f'{config}: FAILED to build: {_short(e)}')
            _write(args.out, rows)
            continue
        for backend in args.backend:
            row = dict(base, backend=backend,
                       device='cpu' if backend == 'onnxruntime'
                       else args.device,
                       channels_last=args.channels_last
                       and backend == 'pytorch',
                       compile=args.compile and backend == 'pytorch')
            try:
                runners[len(rows)] = make_runner(
                    model, backend, args.shape, deploy=args.deploy,
                    channels_last=args.channels_last, compile=args.compile,
                    threads=threads, ort_opt=args.ort_opt,
                    work_dir=work_dir, name=f'model{ci}')
                row['status'] = 'ok'
            except Exception as e:
                row.update(status='failed', error=f'{backend}: {_short(e)}')
                print(f'{config} [{backend}]: FAILED: {_short(e)}')
                if os.environ.get('BENCHMARK_TRACEBACK'):
                    traceback.print_exc()
            rows.append(row)
            _write(args.out, rows)

    def on_round(times):
        for idx, t in times.items():
            rows[idx].update(latency_stats(t))
        _write(args.out, rows)

    time_interleaved({i: r for i, r in runners.items()}, args.warmup,
                     args.iters, on_round)
    for row in rows:
        name = osp.basename(row['config'])
        if row['status'] != 'ok':
            print(f'{name} [{row["backend"]}]: FAILED ({row["error"]})')
            continue
        gmacs = (f', {row["gmacs"]:.3f} GMACs' if row.get('gmacs')
                 is not None else '')
        print(f'{name} [{row["backend"]}{", deploy" if args.deploy else ""}'
              f']: median {row["median_ms"]:.1f} ms (mean '
              f'{row["mean_ms"]:.1f} ± {row["stdev_ms"]:.1f}, min '
              f'{row["min_ms"]:.1f}, max {row["max_ms"]:.1f}) = '
              f'{row["fps"]:.2f} FPS at batch 1, {args.iters} runs after '
              f'{args.warmup} warm-up, {row["device"]}, {threads} threads, '
              f'input {args.shape[0]}x{args.shape[1]}, '
              f'{row["params"] / 1e6:.3f}M params{gmacs}')
    ok = [r for r in rows if r['status'] == 'ok']
    if len(ok) > 1:
        base = ok[0]
        for r in ok[1:]:
            print(f'{osp.basename(r["config"])} [{r["backend"]}] vs '
                  f'{osp.basename(base["config"])} [{base["backend"]}]: '
                  f'latency ratio {r["median_ms"] / base["median_ms"]:.3f}')
    _write(args.out, rows)
    import shutil
    shutil.rmtree(work_dir, ignore_errors=True)
    return rows


if __name__ == '__main__':
    main()
