# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Why a model times slower when many other runners share its process.

The experiment behind the settled, chunked timing of ``benchmark.py`` and
``efficiency_report.py``. Two effects, each measured as a pair of timings
taken in the same rounds (so that the machine's load hits both alike):

* **spin**: the deployed ESSNet-DG2 under onnxruntime timed right after
  an eager PyTorch forward of DG2, and after the same forward followed by
  :func:`~mmseg_efficient.deploy.bench.wait_until_idle` (untimed): eager
  PyTorch's OpenMP threads spin-wait for milliseconds after a forward, on
  the cores onnxruntime needs (needs ``--threads`` >= 2);
* **cache**: eager DG2 timed right after an eager DG2 forward (its oneDNN
  primitives cached) and right after eager forwards of ``--others``: when a
  round holds more distinct convolutions than oneDNN's primitive cache and
  ideep's computation cache (1024 each by default, ``--cache N`` to shrink
  both and see it with few models), every convolution re-creates (and
  JIT-compiles) its primitive. A round of the efficiency report's 77
  networks holds thousands.

Prints, per effect, the median wall and process CPU time (all threads) of
both timings. ``--count-convs`` instead counts the convolution modules of
the networks the efficiency report times (``configs`` deduplicated, and the
peers; built on the ``meta`` device, nothing computed). Not part of CI.

Example (seconds of timing at 128x256; building the models takes longer):
    python tools/experiments/resident_runners.py --shape 128 256
    python tools/experiments/resident_runners.py --shape 128 256 --cache 64
    python tools/experiments/resident_runners.py --count-convs
"""
import argparse
import os
import os.path as osp
import statistics
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DG2 = 'configs/essnet/essnet-dg2_ups_1xb6-75k_cityscapes-512x1024.py'
OTHERS = ('mmseg::erfnet/erfnet_fcn_4xb4-160k_cityscapes-512x1024.py',
          'configs/essnet/essnet-d_ups_1xb6-75k_cityscapes-512x1024.py',
          'configs/essnet/essneta-d_deconv_1xb6-75k_cityscapes-512x1024.py')


def _timed(run):
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return ((time.perf_counter() - wall) * 1e3,
            (time.process_time() - cpu) * 1e3)


def count_convs():
    """Networks of the efficiency report (``configs`` deduplicated, and the
    peers) and their convolution modules, built on the meta device; those
    that cannot build there are listed."""
    import copy

    import torch
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    sys.path.insert(0, osp.join(REPO, 'tools', 'analysis_tools'))
    import efficiency_report as report

    from mmseg_efficient.models.utils.config_helpers import \
        drop_class_weight_files
    from mmseg_efficient.utils import load_config
    configs, _ = report.dedupe(report.expand_configs(['configs']))
    configs += [c for _, c in report.PEERS]
    total, failed = 0, []
    for config in configs:
        cfg = load_config(config)
        init_default_scope(cfg.get('default_scope', 'mmseg'))
        model_cfg = copy.deepcopy(cfg.model)
        model_cfg.pop('auxiliary_head', None)
        drop_class_weight_files(model_cfg)
        try:
            with torch.device('meta'):
                model = MODELS.build(model_cfg)
        except Exception as e:  # e.g. .item() on a meta tensor
            failed.append(f'{osp.basename(config)} ({type(e).__name__})')
            continue
        total += sum(isinstance(m, torch.nn.modules.conv._ConvNd)
                     for m in model.modules())
    print(f'{len(configs)} networks, {total} conv modules in the '
          f'{len(configs) - len(failed)} that build on the meta device' +
          (f'; not built: {", ".join(failed)}' if failed else ''))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--shape', type=int, nargs=2, default=[128, 256])
    parser.add_argument('--others', nargs='*', default=list(OTHERS))
    parser.add_argument('--rounds', type=int, default=8)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--cache', type=int,
                        help="oneDNN's and ideep's cache capacities "
                        '(default: theirs, 1024)')
    parser.add_argument('--count-convs', action='store_true',
                        help="count the conv modules of the report's "
                        'networks instead')
    args = parser.parse_args(argv)
    sys.path.insert(0, REPO)
    os.chdir(REPO)
    if args.count_convs:
        return count_convs()
    if args.cache:  # read when the first primitive is created
        os.environ['ONEDNN_PRIMITIVE_CACHE_CAPACITY'] = str(args.cache)
        os.environ['LRU_CACHE_CAPACITY'] = str(args.cache)
    import torch
    torch.set_num_threads(args.threads)
    from mmseg_efficient.deploy.bench import make_runner, wait_until_idle
    from mmseg_efficient.utils import build_segmentor, load_config

    shape = tuple(args.shape)
    work = tempfile.mkdtemp(prefix='resident-')
    convs = []

    def eager(config):
        model = build_segmentor(load_config(config), grouped=True)
        convs.append(sum(isinstance(m, torch.nn.modules.conv._ConvNd)
                         for m in model.modules()))
        return model, make_runner(model, 'pytorch', shape)

    model, dg2 = eager(DG2)
    ort = make_runner(model, 'onnxruntime', shape, deploy=True,
                      threads=args.threads, work_dir=work, name='dg2')
    others = [eager(c)[1] for c in args.others]
    times = {k: [] for k in ('ort right after eager', 'ort settled',
                             'eager after itself', 'eager after others')}
    for i in range(args.rounds + 2):  # 2 warm-up rounds
        dg2()
        after = _timed(ort)
        wait_until_idle()
        dg2()
        wait_until_idle()
        settled = _timed(ort)
        wait_until_idle()
        dg2()
        wait_until_idle()
        warm = _timed(dg2)
        wait_until_idle()
        for run in others:
            run()
            wait_until_idle()
        cold = _timed(dg2)
        wait_until_idle()
        if i >= 2:
            for key, t in zip(times, (after, settled, warm, cold)):
                times[key].append(t)
    print(f'shape {shape}, {args.threads} threads, oneDNN caches '
          f'{args.cache or "default (1024)"}, {len(others)} other eager '
          f'models; conv modules of DG2 + the others: {sum(convs)}; '
          f'median of {args.rounds} rounds (wall / process CPU, ms):')
    for key, t in times.items():
        print(f'  {key:>22}: {statistics.median(w for w, _ in t):8.2f} / '
              f'{statistics.median(c for _, c in t):8.2f}')


if __name__ == '__main__':
    main()
