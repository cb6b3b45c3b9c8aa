# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Latency / FPS of a segmentor at batch size 1.

Unlike mmseg's benchmark.py this needs neither a dataset nor a checkpoint
(random weights are the default: latency does not depend on the values), and
it runs on the CPU as well as on a GPU. It times the network's tensor-mode
forward on a random ``--shape H W`` input after ``--warmup`` runs and reports
the median and spread over ``--iters`` runs.

Example:
    python tools/analysis_tools/benchmark.py CONFIG --shape 512 1024 \
        --device cpu --iters 20
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401
import torch  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

from mmseg_efficient.utils import (build_segmentor, count_params,  # noqa: E402
                                   load_config, measure_latency)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Latency/FPS of a segmentor at batch size 1')
    parser.add_argument('config', nargs='+',
                        help='config file(s) (or mmseg::path); several '
                        'configs are measured in one run, in turn')
    parser.add_argument('--checkpoint', help='optional weights to load')
    parser.add_argument('--shape', type=int, nargs=2, default=[512, 1024],
                        metavar=('H', 'W'), help='input size')
    parser.add_argument('--device', default='cuda' if
                        torch.cuda.is_available() else 'cpu',
                        help='cpu or cuda (default: cuda if available)')
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch default)')
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
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    results = []
    for config in args.config:
        cfg = load_config(config, args.cfg_options)
        model = build_segmentor(cfg, args.checkpoint, device=args.device)
        stats = measure_latency(model, args.shape, args.warmup, args.iters)
        stats.update(config=config, params=count_params(model),
                     device=args.device, shape=list(args.shape),
                     threads=torch.get_num_threads(),
                     weights=args.checkpoint or 'random')
        results.append(stats)
        print(f'{osp.basename(config)}: median {stats["median_ms"]:.1f} ms '
              f'(mean {stats["mean_ms"]:.1f} ± {stats["stdev_ms"]:.1f}, '
              f'min {stats["min_ms"]:.1f}, max {stats["max_ms"]:.1f}) '
              f'= {stats["fps"]:.2f} FPS at batch 1, {args.iters} runs after '
              f'{args.warmup} warm-up, {args.device}, input '
              f'{args.shape[0]}x{args.shape[1]}, '
              f'{stats["params"] / 1e6:.3f}M params')
    if len(results) > 1:
        base = results[0]
        for r in results[1:]:
            print(f'{osp.basename(r["config"])} vs '
                  f'{osp.basename(base["config"])}: latency ratio '
                  f'{r["median_ms"] / base["median_ms"]:.3f}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == '__main__':
    main()
