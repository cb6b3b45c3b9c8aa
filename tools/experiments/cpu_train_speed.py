# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Training throughput on the CPU: one run at the defaults against the
claims runner's setting (parallel runs, one thread each, channels-last).

For each config, ``tools/train.py`` trains ``--iters`` iterations on the
built-in street scenes in three settings, one after the other:

- ``default``: one run, the tools' thread defaults
  (``env_cfg.cpu_threads='auto'``: all cores to the model, dataloader
  workers lowered to fit);
- ``parallel``: ``--runs`` runs at once (default: one per core), each
  ``OMP_NUM_THREADS=1`` with ``num_workers=0``;
- ``parallel+cl``: the same with ``--channels-last``.

Prints iterations/s per run (from mmengine's logged iteration ``time``,
median after the first logging interval) and the machine's total
(runs x per-run it/s), and writes ``OUT/speed.json``. Not part of CI.

    python tools/experiments/cpu_train_speed.py --out work_dirs/cpu_speed
"""
import argparse
import json
import os
import os.path as osp
import re
import statistics
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from claims import _config, _dataset_path, machine  # noqa: E402
CONFIGS = [
    'configs/demo/essnet-d_ups_1xb4-600i_streetscenes-128x256.py',
    'configs/essnet/gradual_grouping/essnet-dg2_ups_1xb4-600i_'
    'streetscenes-128x256.py',
    'configs/shufflenetv2_dpc/dpc_shufflenetv2-1x-os16_1xb4-300i_'
    'streetscenes-128x256.py',
    'configs/efficientseg/efficientseg-w0.5_1xb4-300i_'
    'streetscenes-128x256.py',
]
ITER_TIME = re.compile(r'(?<!data_)time: ([\d.]+)')


def train_cmd(config, work_dir, data, iters, channels_last, workers_zero):
    cfg = _config(config)
    opts = [f'{_dataset_path(cfg, loader)[0]}.data_root={data}'
            for loader in ('train_dataloader', 'val_dataloader',
                           'test_dataloader')]
    opts += [f'train_cfg.max_iters={iters}', 'train_cfg.val_interval=100000',
             'default_hooks.checkpoint.interval=100000',
             'default_hooks.logger.interval=10']
    if workers_zero:
        opts += [f'{loader}.{k}' for loader in (
            'train_dataloader', 'val_dataloader', 'test_dataloader')
                 for k in ('num_workers=0', 'persistent_workers=False')]
    return [sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
            *(['--channels-last'] if channels_last else []),
            '--cfg-options', *opts]


def its_per_s(log):
    with open(log) as f:
        times = [float(t) for t in ITER_TIME.findall(f.read())][1:]
    if not times:
        raise RuntimeError(f'no iteration times in {log}')
    return 1 / statistics.median(times)


def run_setting(name, config, args, data, runs, threads, channels_last):
    procs, logs = [], []
    env = dict(os.environ, PYTHONPATH=REPO)
    if threads:
        env['OMP_NUM_THREADS'] = str(threads)
    else:
        env.pop('OMP_NUM_THREADS', None)
    for k in range(runs):
        wd = osp.join(args.out, 'work', f'{osp.basename(config)[:-3]}_{name}'
                      f'_{k}')
        log = wd + '.log'
        os.makedirs(osp.dirname(log), exist_ok=True)
        logs.append(log)
        f = open(log, 'w')
        procs.append((subprocess.Popen(
            train_cmd(config, wd, data, args.iters, channels_last,
                      bool(threads)), cwd=REPO, env=env, stdout=f,
            stderr=subprocess.STDOUT), f))
    for p, f in procs:
        if p.wait():
            raise SystemExit(f'{name} run failed; see {f.name}')
        f.close()
    per_run = [its_per_s(log) for log in logs]
    return dict(setting=name, runs=runs, it_s_per_run=per_run,
                it_s_total=sum(per_run))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='work_dirs/cpu_speed')
    parser.add_argument('--iters', type=int, default=100)
    parser.add_argument('--runs', type=int,
                        default=len(os.sched_getaffinity(0)))
    parser.add_argument('configs', nargs='*', default=CONFIGS)
    args = parser.parse_args(argv)
    args.out = osp.abspath(args.out)
    data = osp.join(args.out, 'data')
    if not osp.isdir(osp.join(data, 'leftImg8bit', 'val')):
        subprocess.run([sys.executable, 'tools/misc/generate_street_data.py',
                        '--out', data, '--num-train', '60', '--num-val', '4'],
                       cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    rows = []
    for config in args.configs:
        for name, runs, threads, cl in (
                ('default', 1, None, False),
                ('parallel', args.runs, 1, False),
                ('parallel+cl', args.runs, 1, True)):
            row = dict(config=config, **run_setting(name, config, args, data,
                                                    runs, threads, cl))
            rows.append(row)
            print(f"{osp.basename(config)[:-3]:55s} {name:12s} runs "
                  f"{runs}: {row['it_s_total']:.2f} it/s in total ("
                  + ', '.join(f'{v:.2f}' for v in row['it_s_per_run'])
                  + ' per run)', flush=True)
    with open(osp.join(args.out, 'speed.json'), 'w') as f:
        json.dump(dict(machine=machine(), iters=args.iters, rows=rows), f,
                  indent=1)
    print(machine()['summary'])


if __name__ == '__main__':
    main()
