# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The main job: built-in street data -> train -> TTA test -> efficiency.

1. generates the built-in street scenes (Cityscapes layout) if absent,
2. trains the demo config with ``tools/train.py`` on the CPU,
3. evaluates the final checkpoint with ``tools/test.py --tta``,
4. segments the first validation image with ``demo/image_demo.py`` (the
   prediction painted on it, a class legend below),
5. prints mIoU, a params / GFLOPs (MACs) / latency line and the painted
   image's path.

Every step runs the real tools in a subprocess, exactly as a user would.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_CONFIG = 'configs/demo/essnet-d_ups_1xb4-600i_streetscenes-128x256.py'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--data-root', default='data/street_scenes')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--num-train', type=int, default=300)
    parser.add_argument('--num-val', type=int, default=50)
    parser.add_argument('--iters', type=int, default=None,
                        help='training iterations (default: the config\'s)')
    parser.add_argument('--shape', type=int, nargs=2, default=[512, 1024],
                        metavar=('H', 'W'),
                        help='input size for GFLOPs and latency')
    return parser.parse_args(argv)


def run(cmd, log_path=None):
    """Run a tool; stream to a log file and fail loudly with its tail."""
    print('$', ' '.join(cmd), flush=True)
    start = time.time()
    with open(log_path or os.devnull, 'w') as log:
        proc = subprocess.run(cmd, cwd=REPO, stdout=log,
                              stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        if log_path:
            with open(log_path) as f:
                sys.stderr.write(''.join(f.readlines()[-40:]))
        raise SystemExit(f'step failed ({proc.returncode}): {" ".join(cmd)}'
                         + (f' -- see {log_path}' if log_path else ''))
    return time.time() - start


def newest_metrics(work_dir):
    """The metrics mmengine's LoggerHook dumps after ``runner.test()``."""
    files = sorted(glob.glob(osp.join(work_dir, '2*', '2*.json')),
                   key=osp.getmtime)
    for path in reversed(files):
        with open(path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        for rec in reversed(lines):
            if 'mIoU' in rec:
                return rec
    raise SystemExit(f'no mIoU found in {work_dir}')


def main(argv=None):
    args = parse_args(argv)
    py = sys.executable
    t0 = time.time()
    data_root = osp.join(REPO, args.data_root)
    run([py, 'tools/misc/generate_street_data.py', '--out', data_root,
         '--num-train', str(args.num_train), '--num-val', str(args.num_val)])
    opts = [f'{loader}.dataset.data_root={data_root}'
            for loader in ('train_dataloader', 'val_dataloader',
                           'test_dataloader')]
    if args.iters:
        opts += [f'train_cfg.max_iters={args.iters}',
                 f'train_cfg.val_interval={args.iters}',
                 f'default_hooks.checkpoint.interval={args.iters}',
                 f'param_scheduler.0.end={args.iters}']
    os.makedirs(osp.join(REPO, args.work_dir), exist_ok=True)
    t_train = run([py, 'tools/train.py', args.config, '--work-dir',
                   args.work_dir, '--cfg-options', *opts],
                  osp.join(REPO, args.work_dir, 'train.log'))
    with open(osp.join(REPO, args.work_dir, 'last_checkpoint')) as f:
        ckpt = f.read().strip()
    test_dir = osp.join(args.work_dir, 'test_tta')
    os.makedirs(osp.join(REPO, test_dir), exist_ok=True)
    t_test = run([py, 'tools/test.py', args.config, ckpt, '--tta',
                  '--work-dir', test_dir, '--cfg-options', *opts],
                 osp.join(REPO, test_dir, 'test.log'))
    metrics = newest_metrics(osp.join(REPO, test_dir))
    val_img = sorted(glob.glob(osp.join(data_root, 'leftImg8bit', 'val', '*',
                                        '*_leftImg8bit.png')))[0]
    painted = osp.join(args.work_dir, 'val_prediction.png')
    run([py, 'demo/image_demo.py', osp.relpath(val_img, REPO), args.config,
         osp.relpath(osp.join(REPO, ckpt), REPO), '--out-file', painted,
         '--legend'])

    sys.path.insert(0, REPO)
    import mmseg_efficient  # noqa: F401
    from mmseg_efficient.utils import (build_segmentor, load_config,
                                       measure_latency, model_complexity)
    cfg = load_config(osp.join(REPO, args.config))
    model = build_segmentor(cfg, ckpt)
    cx = model_complexity(model, args.shape)
    lat = measure_latency(model, args.shape, warmup=2, iters=10)
    total = time.time() - t0
    name = osp.splitext(osp.basename(args.config))[0]
    print('=' * 72)
    print(f'{name}')
    print(f'mIoU (synthetic val, TTA {len(cfg.img_ratios)} scales x flip): '
          f'{metrics["mIoU"]:.2f}  aAcc: {metrics["aAcc"]:.2f}  '
          f'mAcc: {metrics["mAcc"]:.2f}')
    print(f'params {cx["params"] / 1e6:.3f}M | {cx["gmacs"]:.2f} GFLOPs '
          f'(MACs) @ {args.shape[0]}x{args.shape[1]} | CPU latency '
          f'{lat["median_ms"]:.0f} ms median ({lat["fps"]:.2f} FPS, '
          f'{lat["iters"]} runs, {os.cpu_count()} cores)')
    print(f'time: train {t_train:.0f} s, TTA test {t_test:.0f} s, '
          f'total {total:.0f} s; logs in {args.work_dir}')
    print(f'painted validation image (class legend below): {painted}')
    print('=' * 72)


if __name__ == '__main__':
    main()
