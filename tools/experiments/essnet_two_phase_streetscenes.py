# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Two-phase vs one-phase ESSNet-D on the built-in street scenes.

The thesis (§3.4.2, §4.2) trains the encoder alone on 1/8 labels first
(phase 1), then attaches the decoder (phase 2). This script trains, for each
seed and at the same total number of iterations (--iters, 600 by default;
the numbers below are for 600):

- one-phase: configs/demo/essnet-d_ups_1xb4-600i_streetscenes-128x256.py
  (600 iterations end to end);
- two-phase: configs/demo/essnetb-d_p1-enc_1xb4-300i_streetscenes-128x256.py
  (300 iterations, encoder + 1x1 classifier on 1/8 labels), then
  configs/demo/essnet-d_p2_ups_1xb4-300i_streetscenes-128x256.py (300
  iterations, encoder loaded from phase 1),

through tools/train.py, and evaluates each final checkpoint with
tools/test.py --tta (3 scales x flip) on the val images. Same data, crop,
batch, optimizer (Adam 1e-3 + poly, restarted in phase 2), class weights.

Not part of CI (minutes per run on a CPU). Run from the repository root::

    OMP_NUM_THREADS=1 python \
        tools/experiments/essnet_two_phase_streetscenes.py \
        --out /tmp/essnet-recipe --seeds 0 1 2

It generates --num-train/--num-val street scenes (seed 0) under OUT/data
unless they exist, writes work dirs under OUT/work and the table to
OUT/results.md (and results.json), and prints it.
"""
import argparse
import json
import os
import os.path as osp
import re
import statistics
import subprocess
import sys
import time

DEMO = 'configs/demo'
ONE_PHASE = f'{DEMO}/essnet-d_ups_1xb4-600i_streetscenes-128x256.py'
PHASE1 = f'{DEMO}/essnetb-d_p1-enc_1xb4-300i_streetscenes-128x256.py'
PHASE2 = f'{DEMO}/essnet-d_p2_ups_1xb4-300i_streetscenes-128x256.py'
METRIC = re.compile(r'aAcc: ([\d.]+)\s+mIoU: ([\d.]+)')


def run(args, log):
    """Run ``python args`` from the repo root, output appended to ``log``."""
    start = time.time()
    with open(log, 'a') as f:
        f.write(f'\n$ python {" ".join(args)}\n')
        f.flush()
        proc = subprocess.run([sys.executable, *args], stdout=f,
                              stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise RuntimeError(f'{" ".join(args)} failed; see {log}')
    return time.time() - start


def last_metrics(log):
    """(aAcc, mIoU) of the last evaluation printed into ``log``."""
    with open(log) as f:
        found = METRIC.findall(f.read())
    if not found:
        raise RuntimeError(f'no mIoU line in {log}')
    return tuple(float(v) for v in found[-1])


def data_opts(root):
    return [
        f'{loader}.dataset.data_root={root}'
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')
    ]


def schedule(iters):
    """``--cfg-options`` that make a demo config train ``iters`` iterations
    (poly schedule, validation and checkpoint at the end)."""
    return [
        f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
        f'param_scheduler.0.end={iters}',
        f'default_hooks.checkpoint.interval={iters}'
    ]


def one_phase(seed, root, work, log, iters=600):
    wd = osp.join(work, f'one-phase_s{seed}')
    opts = ['--cfg-options', f'randomness.seed={seed}', *data_opts(root)]
    t = run(['tools/train.py', ONE_PHASE, '--work-dir', wd, *opts,
             *schedule(iters)], log)
    run(['tools/test.py', ONE_PHASE, osp.join(wd, f'iter_{iters}.pth'),
         '--tta', '--work-dir', wd, *opts], log)
    return t


def two_phase(seed, root, work, log, iters=600):
    wd1 = osp.join(work, f'two-phase-p1_s{seed}')
    wd2 = osp.join(work, f'two-phase-p2_s{seed}')
    p1, p2 = iters // 2, iters - iters // 2
    opts = ['--cfg-options', f'randomness.seed={seed}', *data_opts(root)]
    t = run(['tools/train.py', PHASE1, '--work-dir', wd1, *opts,
             *schedule(p1)], log)
    ckpt = osp.join(wd1, f'iter_{p1}.pth')
    t += run(['tools/train.py', PHASE2, '--work-dir', wd2, *opts,
              *schedule(p2), f'model.backbone.init_cfg.checkpoint={ckpt}'],
             log)
    run(['tools/test.py', PHASE2, osp.join(wd2, f'iter_{p2}.pth'), '--tta',
         '--work-dir', wd2, *opts], log)
    return t


def summary(results):
    lines = ['| arm | seed | train s | aAcc (TTA) | mIoU (TTA) |',
             '|---|---:|---:|---:|---:|']
    for r in results:
        lines.append(f"| {r['arm']} | {r['seed']} | {r['train_s']:.0f} | "
                     f"{r['aAcc']:.2f} | {r['mIoU']:.2f} |")
    for arm in ('one-phase', 'two-phase'):
        vals = [r['mIoU'] for r in results if r['arm'] == arm]
        if vals:
            sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
            lines.append(f'\n{arm}: mIoU {statistics.mean(vals):.2f} +- '
                         f'{sd:.2f} (mean +- sd, n={len(vals)}, '
                         f'min {min(vals):.2f}, max {max(vals):.2f})')
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='/tmp/essnet-recipe')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--num-train', type=int, default=300)
    parser.add_argument('--num-val', type=int, default=50)
    parser.add_argument('--iters', type=int, default=600,
                        help='total training iterations of each arm (the '
                        'two-phase arm splits them in halves)')
    args = parser.parse_args()
    root = osp.join(args.out, 'data', 'street_scenes')
    work = osp.join(args.out, 'work')
    os.makedirs(work, exist_ok=True)
    log = osp.join(args.out, 'experiment.log')
    if not osp.isdir(osp.join(root, 'leftImg8bit', 'val')):
        run(['tools/misc/generate_street_data.py', '--out', root,
             '--num-train', str(args.num_train), '--num-val',
             str(args.num_val)], log)
    results = []
    for seed in args.seeds:
        for arm, fn in (('one-phase', one_phase), ('two-phase', two_phase)):
            train_s = fn(seed, root, work, log, args.iters)
            acc, miou = last_metrics(log)
            results.append(dict(arm=arm, seed=seed, train_s=train_s,
                                aAcc=acc, mIoU=miou))
            text = summary(results)
            with open(osp.join(args.out, 'results.md'), 'w') as f:
                f.write(text + '\n')
            with open(osp.join(args.out, 'results.json'), 'w') as f:
                json.dump(results, f, indent=1)
            print(text, flush=True)


if __name__ == '__main__':
    main()
