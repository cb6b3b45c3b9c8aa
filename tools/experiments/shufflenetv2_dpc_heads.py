# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The ShuffleNet V2 + DPC paper's claim in miniature: DPC beats the basic
DeepLabV3 head at the same budget.

Both heads (OS 16, from scratch) are trained on the built-in street scenes
with tools/train.py and evaluated with tools/test.py, 3 seeds each, one run
after the other; the script prints every run's mIoU and mean +- std / range
per head, and writes them to OUT/summary.json. Not part of CI (about
2-3 minutes per run on one CPU thread).

Example:
    OMP_NUM_THREADS=1 python tools/experiments/shufflenetv2_dpc_heads.py \
        --out /tmp/shufflenetv2_dpc_heads
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {
    head: f'configs/shufflenetv2_dpc/{head}_shufflenetv2-1x-os16_1xb4-'
    '300i_streetscenes-128x256.py'
    for head in ('basic', 'dpc')
}


def run(args, log):
    """Run ``python args`` from the repository root, logging to ``log``."""
    with open(log, 'w') as f:
        proc = subprocess.run([sys.executable, *args], cwd=REPO, stdout=f,
                              stderr=subprocess.STDOUT)
    if proc.returncode:
        sys.exit(f'{" ".join(args)} failed ({proc.returncode}); see {log}')


def test_miou(work_dir):
    """mIoU from the newest tools/test.py metrics JSON in ``work_dir``."""
    jsons = sorted(glob.glob(osp.join(work_dir, 'test', '*', '*.json')))
    if not jsons:
        sys.exit(f'no test metrics found under {work_dir}/test')
    with open(jsons[-1]) as f:
        return json.load(f)['mIoU']


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='/tmp/shufflenetv2_dpc_heads')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--heads', nargs='+', default=['basic', 'dpc'],
                        choices=sorted(CONFIGS))
    parser.add_argument('--num-train', type=int, default=100)
    parser.add_argument('--num-val', type=int, default=20)
    parser.add_argument('--iters', type=int, default=300,
                        help='training iterations per run (the configs\' '
                        '300: schedule, validation and checkpoint follow)')
    args = parser.parse_args()
    data = osp.join(args.out, 'street_scenes')
    os.makedirs(args.out, exist_ok=True)
    run(['tools/misc/generate_street_data.py', '--out', data, '--num-train',
         str(args.num_train), '--num-val', str(args.num_val)],
        osp.join(args.out, 'data.log'))
    data_opts = [
        f'{loader}.dataset.data_root={data}'
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')
    ]
    n = args.iters
    schedule = [
        f'train_cfg.max_iters={n}', f'train_cfg.val_interval={n}',
        f'param_scheduler.0.end={n}', f'default_hooks.checkpoint.interval={n}'
    ]
    results = {head: {} for head in args.heads}
    for head in args.heads:
        for seed in args.seeds:
            work_dir = osp.join(args.out, f'{head}_seed{seed}')
            start = time.time()
            run(['tools/train.py', CONFIGS[head], '--work-dir', work_dir,
                 '--cfg-options', f'randomness.seed={seed}', *data_opts,
                 *schedule],
                osp.join(args.out, f'{head}_seed{seed}_train.log'))
            ckpt = osp.join(work_dir, f'iter_{n}.pth')
            run(['tools/test.py', CONFIGS[head], ckpt, '--work-dir',
                 osp.join(work_dir, 'test'), '--cfg-options', *data_opts],
                osp.join(args.out, f'{head}_seed{seed}_test.log'))
            miou = test_miou(work_dir)
            results[head][seed] = miou
            print(f'{head} seed {seed}: mIoU {miou:.2f} '
                  f'({time.time() - start:.0f} s)', flush=True)
    summary = {}
    for head, runs in results.items():
        values = list(runs.values())
        summary[head] = dict(
            runs=runs,
            mean=statistics.mean(values),
            std=statistics.stdev(values) if len(values) > 1 else 0.,
            min=min(values),
            max=max(values))
        print(f'{head}: mIoU {summary[head]["mean"]:.2f} +- '
              f'{summary[head]["std"]:.2f} (std; range '
              f'{summary[head]["min"]:.2f}-{summary[head]["max"]:.2f}, '
              f'{len(values)} seeds)')
    with open(osp.join(args.out, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)


if __name__ == '__main__':
    main()
