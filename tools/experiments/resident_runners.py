# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Why a model times slower when many other runners live in the process.

The experiment behind the chunked, settled timing of ``benchmark.py`` /
``efficiency_report.py``. ESSNet-DG2 eager (``pytorch``) and deployed under
onnxruntime (``ort``) are timed, in one process:

* ``alone``: the two DG2 runners only, eager then ort, in turns;
* ``with-others``: in turns with eager runners and onnxruntime sessions of
  ``--others`` (as the report times them: each model's eager runner, then
  its onnxruntime one);
* the same two with ``settle=True`` (:func:`time_interleaved` waits, untimed,
  until the eager runner's OpenMP threads stopped spinning).

Run it with the default oneDNN caches and with ``--cache 64`` (oneDNN's
primitive cache and ideep's computation cache at 64 entries instead of
1024): when the runners of a round hold more distinct convolutions than the
caches do, every eager convolution misses and re-creates (JIT-compiles) its
primitive. Prints median wall and process CPU time per runner. Not part of
CI.

Example (a few seconds of timing at 128x256; building takes longer):
    python tools/experiments/resident_runners.py --shape 128 256
    python tools/experiments/resident_runners.py --shape 128 256 --cache 64
"""
import argparse
import os
import os.path as osp
import statistics
import sys
import tempfile

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DG2 = 'configs/essnet/essnet-dg2_ups_1xb6-75k_cityscapes-512x1024.py'
OTHERS = ('mmseg::erfnet/erfnet_fcn_4xb4-160k_cityscapes-512x1024.py',
          'configs/essnet/essnet-d_ups_1xb6-75k_cityscapes-512x1024.py',
          'configs/essnet/essneta-d_deconv_1xb6-75k_cityscapes-512x1024.py')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--shape', type=int, nargs=2, default=[128, 256])
    parser.add_argument('--others', nargs='*', default=list(OTHERS))
    parser.add_argument('--iters', type=int, default=8)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--cache', type=int,
                        help="oneDNN's and ideep's cache capacities "
                        '(default: theirs, 1024)')
    args = parser.parse_args(argv)
    if args.cache:  # read when the first primitive is created
        os.environ['ONEDNN_PRIMITIVE_CACHE_CAPACITY'] = str(args.cache)
        os.environ['LRU_CACHE_CAPACITY'] = str(args.cache)
    sys.path.insert(0, REPO)
    os.chdir(REPO)
    import torch
    torch.set_num_threads(args.threads)
    from mmseg_efficient.deploy.bench import make_runner, time_interleaved
    from mmseg_efficient.utils import build_segmentor, load_config

    shape = tuple(args.shape)
    work = tempfile.mkdtemp(prefix='resident-')

    convs = []  # conv modules of each eager model: its distinct convs

    def runners(config, stem):
        model = build_segmentor(load_config(config), grouped=True)
        convs.append(sum(isinstance(m, torch.nn.modules.conv._ConvNd)
                         for m in model.modules()))
        return {
            f'{stem} pytorch': make_runner(model, 'pytorch', shape),
            f'{stem} ort': make_runner(model, 'onnxruntime', shape,
                                       deploy=True, threads=args.threads,
                                       work_dir=work, name=stem)
        }

    dg2 = runners(DG2, 'DG2')
    others = {}
    for i, config in enumerate(args.others):
        others.update(runners(config, f'other{i}'))

    def report(name, group, settle):
        cpu = {}
        times = time_interleaved(group, 2, args.iters, times_cpu=cpu,
                                 settle=settle)
        print(f'{name:>12} settle={settle!s:5}: ' + ', '.join(
            f'{k} {statistics.median(times[k]):.1f} ms '
            f'(CPU {statistics.median(cpu[k]):.1f})' for k in dg2),
            flush=True)

    print(f'shape {shape}, {args.threads} threads, oneDNN caches '
          f'{args.cache or "default (1024)"}, {len(others) // 2} other '
          f'models, eager convs of a round: {sum(convs)}')
    for settle in (False, True):
        report('alone', dg2, settle)
        report('with-others', dict(others, **dg2), settle)


if __name__ == '__main__':
    main()
