# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The three ESSNet deploy targets, from ONE interleaved benchmark.py run.

Runs ``tools/analysis_tools/benchmark.py`` on mmseg's ERFNet, ESSNet-D,
ESSNet-DG2 and ESSNetB-DG2 with the backends ``pytorch`` (eager, as built),
``onnxruntime`` (plain export) and ``onnxruntime:deploy`` (BN folded, grouped
convs, 1x1-upsampling conv first), 2 threads, 512x1024, and prints

* deployed ESSNet-DG2 vs ERFNet deployed the same way (target >= 4.5x),
* deployed ESSNet-DG2 vs mmseg's eager ERFNet (target >= 10x),
* deployed ESSNet-DG2 vs deployed ESSNet-D (target >= 1.35x),

from the median latencies (and, for a shared machine, from the medians of
the process CPU time), with the load average before and after and the
machine (``benchmark.py`` records it, and each model's GMAC/s against the
machine's dense-conv peak). Not part of CI. ``--json`` recomputes the
ratios of an earlier run's ``--out`` file.

Example:
    python tools/experiments/deploy_targets.py --out bench_targets.json
"""
import argparse
import os
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ERFNET = 'mmseg::erfnet/erfnet_fcn_4xb4-160k_cityscapes-512x1024.py'
D = 'configs/essnet/essnet-d_ups_1xb6-75k_cityscapes-512x1024.py'
DG2 = 'configs/essnet/essnet-dg2_ups_1xb6-75k_cityscapes-512x1024.py'
BDG2 = 'configs/essnet/essnetb-dg2_deconv_1xb6-75k_cityscapes-512x1024.py'
TARGETS = (
    ('DG2 deploy vs ERFNet deploy, onnxruntime', ERFNET, 'onnxruntime', True,
     4.5),
    ('DG2 deploy (onnxruntime) vs mmseg eager ERFNet', ERFNET, 'pytorch',
     False, 10.0),
    ('DG2 vs D, both deployed, onnxruntime', D, 'onnxruntime', True, 1.35),
)


def ratios(rows, key='median_ms'):
    table = {(r['config'], r['backend'], r['deploy']): r for r in rows}
    dg2 = table.get((DG2, 'onnxruntime', True), {})
    out = []
    for name, ref_cfg, backend, deploy, target in TARGETS:
        ref = table.get((ref_cfg, backend, deploy), {})
        if key in ref and key in dg2:
            value = ref[key] / dg2[key]
            out.append((name, value, target, value >= target))
        else:
            out.append((name, None, target, False))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='bench_targets.json')
    parser.add_argument('--json', help='only recompute from this file')
    parser.add_argument('--iters', type=int, default=7)
    parser.add_argument('--warmup', type=int, default=2)
    args = parser.parse_args(argv)
    path = args.json
    if not path:
        sys.path.insert(0, osp.join(REPO, 'tools', 'analysis_tools'))
        os.chdir(REPO)
        load = os.getloadavg()[0]
        import benchmark
        benchmark.main([
            ERFNET, D, DG2, BDG2, '--backend', 'pytorch', 'onnxruntime',
            'onnxruntime:deploy', '--threads', '2', '--shape', '512', '1024',
            '--warmup', str(args.warmup), '--iters', str(args.iters),
            '--out', args.out
        ])
        print(f'load average (1 min): {load:.1f} before, '
              f'{os.getloadavg()[0]:.1f} after')
        path = args.out
    sys.path.insert(0, REPO)
    from mmseg_efficient.deploy.bench import load_benchmark_json
    from mmseg_efficient.utils import cpu_summary
    saved = load_benchmark_json(path)
    rows = saved['rows']
    print(f'machine: {cpu_summary(saved["machine"])}')
    for key in ('median_ms', 'min_ms', 'cpu_median_ms'):
        print(f'-- ratios of {key}:')
        for name, value, target, ok in ratios(rows, key):
            shown = '–' if value is None else f'{value:.2f}x'
            print(f'  {name}: {shown} (target >= {target}x: '
                  f'{"met" if ok else "NOT met"})')


if __name__ == '__main__':
    main()
