# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The papers' claims in miniature: one runner, paired seeds, statistics.

Every claim compares two training recipes (arms) on the built-in street
scenes through the real tools: each arm's stages are trained with
``tools/train.py`` and its last checkpoint is evaluated with
``tools/test.py`` (single scale, the val scenes). Arms are paired by seed:
``randomness.seed=k`` gives both arms of seed k the same data order and the
same initialisation of the parts they share. Independent runs go to
parallel processes with one thread each (``--workers``, default: the cores
this process may use), longest first; the teacher of the distillation claim
and the classifier of the pre-training claim are trained once and shared by
all seeds. A finished run (its ``result.json`` written) is never rerun.

Budgets (``--budget``): ``smoke`` checks the plumbing in seconds per claim
(tiny images, a few iterations; the numbers mean nothing); ``cpu`` is sized
for about 90 minutes of 2 CPU cores for all claims x 3 seeds (5 where the
arms are close: the verdict after the first seeds is inconclusive);
``gpu`` is sized for one H100 (larger images and crops, more iterations,
more parallel processes on the one GPU).

Outputs in ``--out``: ``runs/<claim>/<arm>/s<seed>/`` (work dirs, logs and
the run's ``result.json``), ``claims.json`` (every run, the statistics, the
machine, the command) and ``claims.md`` (per claim: the paper's statement
and section, the budget, mean +- sd per arm, the paired difference with a
95 % t interval, the one-sided sign-flip permutation p and the verdict);
``--doc docs/claims.md`` writes the Markdown (and ``.json``) there too.

Run from the repository root::

    python tools/experiments/claims.py --claims all --budget cpu \
        --out work_dirs/claims-cpu --doc docs/claims.md
    python tools/experiments/claims.py --claims dpc ndnet --budget smoke \
        --seeds 2 --out /tmp/claims-smoke
"""
import argparse
import copy
import glob
import hashlib
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import threading
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

from mmseg_efficient.utils.paired_stats import (VERDICTS,  # noqa: E402
                                                mean_sd, paired_comparison)

DEMO = 'configs/demo'
GG = 'configs/essnet/gradual_grouping'
ESSNET_D = f'{DEMO}/essnet-d_ups_1xb4-600i_streetscenes-128x256.py'
CLASSIFIER = 'configs/pretrain/essnetb-d_8xb32_in1k.py'
EFFSEG = 'configs/efficientseg/efficientseg-w0.5{}_1xb4-300i_' \
    'streetscenes-128x256.py'
SHUFFLE = 'configs/shufflenetv2_dpc/{}_shufflenetv2-1x-os16_1xb4-300i_' \
    'streetscenes-128x256.py'
NDNET = 'configs/ndnet/fcn32_ndnet{}_1xb4-300i_streetscenes-128x256.py'
CWD = 'configs/segformer_kitti/essnet-dg2_ups{}_1xb4-300i_' \
    'streetscenes-128x256.py'


def stage(config, share=1.0, options=(), init=None):
    """One training stage of an arm.

    Args:
        config (str): The config trained by ``tools/train.py``.
        share (float): This stage's share of the budget's iterations.
        options (Sequence[str]): Extra ``--cfg-options``.
        init (str | None): ``'previous'`` (the backbone from the previous
            stage's last checkpoint), ``'classifier'`` (from the shared
            pre-trained classifier), ``'teacher'`` (the distillation
            teacher of the claim) or None.
    """
    return dict(config=config, share=share, options=list(options),
                init=init)


#: The claims: the paper's statement and section, the arms (A: the
#: baseline, B: what the paper says is better), the comparisons
#: (A, B, direction of B - A the paper claims) and shared prerequisites.
CLAIMS = {
    'two_phase': dict(
        paper='ESSNet thesis', section='§3.4.2, §4.2',
        statement='Training the encoder first on 1/8-size labels, then '
        'the whole network (two phases), beats training the network end '
        'to end at the same total budget.',
        arms=dict(
            one_phase=[stage(ESSNET_D)],
            two_phase=[
                stage(f'{DEMO}/essnetb-d_p1-enc_1xb4-300i_'
                      'streetscenes-128x256.py', 0.5),
                stage(f'{DEMO}/essnet-d_p2_ups_1xb4-300i_'
                      'streetscenes-128x256.py', 0.5, init='previous')
            ]),
        comparisons=[('one_phase', 'two_phase', 'greater')]),
    'gradual_grouping': dict(
        paper='ESSNet thesis', section='§3.5',
        statement='Gradual grouping (dense encoder whose 1x1 convs are '
        'masked to 2 groups over phase 1, then phase 2) beats the same '
        'grouped network (ESSNet-DG2) trained from scratch.',
        arms=dict(
            scratch=[stage(f'{GG}/essnet-dg2_ups_1xb4-600i_'
                           'streetscenes-128x256.py')],
            gradual=[
                stage(f'{GG}/essnet-dg2_gg-p1-enc_1xb4-300i_'
                      'streetscenes-128x256.py', 0.5),
                stage(f'{GG}/essnet-dg2_gg-p2_ups_1xb4-300i_'
                      'streetscenes-128x256.py', 0.5, init='previous')
            ]),
        comparisons=[('scratch', 'gradual', 'greater')]),
    'texture_aug': dict(
        paper='EfficientSeg', section='§3, Table 1',
        statement='The texture augmentations (hue and brightness x '
        'U(0.4, 1.6), JPEG re-encoding) raise mIoU, and more than making '
        'the network wider does (width 1.5 with them 51.5 > width 6.0 '
        'without them 47.6 on Minicity test; here width 0.5 with them vs '
        'width 1.0 without, 2x wider to fit the CPU budget).',
        arms=dict(
            no_texture=[stage(EFFSEG.format('-notex'))],
            texture=[stage(EFFSEG.format(''))],
            wide_no_texture=[stage(EFFSEG.format('-notex'), options=(
                'model.backbone.width=1.0', 'model.decode_head.width=1.0'))]
        ),
        comparisons=[('no_texture', 'texture', 'greater'),
                     ('wide_no_texture', 'texture', 'greater')]),
    'dpc': dict(
        paper='ShuffleNet V2 + DPC', section='§4, Table 2',
        statement='The DPC head beats the basic DeepLabV3 head on the same '
        'ShuffleNet V2 backbone (70.33 vs 67.7 mIoU on Cityscapes).',
        arms=dict(basic=[stage(SHUFFLE.format('basic'))],
                  dpc=[stage(SHUFFLE.format('dpc'))]),
        comparisons=[('basic', 'dpc', 'greater')]),
    'ndnet': dict(
        paper='NDNet', section='§III-C (4), Table II',
        statement='Width or depth: a narrower, deeper backbone recovers '
        'the accuracy of the wider, shallower one (NDNet45 60.6 vs '
        'NDNet29 60.0 mIoU on Cityscapes val, with 386K vs 515K '
        'params).',
        arms=dict(ndnet29=[stage(NDNET.format(29))],
                  ndnet45=[stage(NDNET.format(45))]),
        comparisons=[('ndnet29', 'ndnet45', 'greater')]),
    'distillation': dict(
        paper='SegFormer on KITTI (CV3315)', section='§4, Table 1',
        statement='Channel-wise distillation from a stronger teacher '
        'improves the student (an ESSNet-D teacher, an ESSNet-DG2 '
        'student here).',
        needs='teacher',
        arms=dict(plain=[stage(CWD.format(''))],
                  cwd=[stage(CWD.format('-cwd-essnet-d'), init='teacher')]),
        comparisons=[('plain', 'cwd', 'greater')]),
    'pretraining': dict(
        paper='ESSNet thesis', section='§3.4.2, §4.2',
        statement='Initialising the encoder from a classifier pre-trained '
        'on image crops (ImageNet in the thesis; tiles of the train '
        'scenes here) beats training from scratch.',
        needs='classifier',
        arms=dict(scratch=[stage(ESSNET_D)],
                  pretrained=[stage(ESSNET_D, init='classifier')]),
        comparisons=[('scratch', 'pretrained', 'greater')]),
}

#: iters: per arm (stages split them by share); image/crop: the street
#: scenes' size and the training crop (None: the configs' 512x256 and
#: 128x256); seeds, max_seeds: seeds run for every claim, and up to how
#: many for a claim still inconclusive after them.
BUDGETS = {
    'smoke': dict(iters=4, teacher_iters=4, num_train=6, num_val=2,
                  image=(256, 128), crop=(64, 128), cls_epochs=1,
                  seeds=1, max_seeds=1, device='cpu', channels_last=True),
    'cpu': dict(iters=500, teacher_iters=1000, num_train=200, num_val=50,
                image=None, crop=None, cls_epochs=3, seeds=3, max_seeds=5,
                device='cpu', channels_last=True),
    'gpu': dict(iters=1000, teacher_iters=2000, num_train=500,
                num_val=100, image=(1024, 512), crop=(256, 512),
                cls_epochs=5, seeds=5, max_seeds=5, device='cuda',
                channels_last=False),
}
METRIC = re.compile(r'aAcc: ([\d.]+)\s+mIoU: ([\d.]+)')
ITER_TIME = re.compile(r'(?<!data_)time: ([\d.]+)')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--claims', nargs='+', default=['all'],
                        help=f'all, or some of: {", ".join(CLAIMS)}')
    parser.add_argument('--budget', choices=list(BUDGETS), default='smoke')
    parser.add_argument('--seeds', type=int, default=None,
                        help='seeds per claim (default: the budget\'s)')
    parser.add_argument('--max-seeds', type=int, default=None,
                        help='seeds for a claim still inconclusive after '
                        '--seeds (default: the budget\'s)')
    parser.add_argument('--iters', type=int, default=None,
                        help='iterations per arm (default: the budget\'s; '
                        'the teacher trains twice as many)')
    parser.add_argument('--report-only', action='store_true',
                        help='train nothing: write the table of the runs '
                        'finished in --out so far')
    parser.add_argument('--out', help='output folder (required unless '
                        '--render)')
    parser.add_argument('--render', metavar='JSON',
                        help='only write the Markdown of a claims.json '
                        'again (to --doc, or next to the JSON)')
    parser.add_argument('--resume', action='store_true',
                        help='continue in an --out that has runs (finished '
                        'runs are kept, unfinished ones restarted)')
    parser.add_argument('--workers', type=int, default=None,
                        help='parallel runs (default: the cores this '
                        'process may use on cpu, 8 on gpu)')
    parser.add_argument('--doc', help='also write the Markdown table here '
                        '(and the JSON next to it)')
    args = parser.parse_args(argv)
    if not args.out and not args.render:
        parser.error('--out is required (or --render JSON)')
    names = list(CLAIMS) if args.claims == ['all'] else args.claims
    unknown = [n for n in names if n not in CLAIMS]
    if unknown:
        parser.error(f'unknown claim(s) {unknown}; choose from all, '
                     f'{", ".join(CLAIMS)}')
    args.claims = names
    budget = BUDGETS[args.budget]
    args.seeds = args.seeds or budget['seeds']
    args.max_seeds = max(args.max_seeds or budget['max_seeds'], args.seeds)
    if args.workers is None:
        args.workers = 8 if budget['device'] == 'cuda' else \
            len(os.sched_getaffinity(0))
    return args


# ----------------------------------------------------------------- configs
def _config(path):
    from mmengine.config import Config
    return Config.fromfile(osp.join(REPO, path))


def _dataset_path(cfg, loader):
    """Key path of the dataset that holds the pipeline (wrappers such as
    the rare-class oversampler nest it under ``dataset``)."""
    path, node = f'{loader}.dataset', cfg[loader]['dataset']
    while 'pipeline' not in node:
        path, node = f'{path}.dataset', node['dataset']
    return path, node


def data_options(cfg, root, budget):
    """``--cfg-options`` that point every loader at ``root``, load in the
    main process and, where the budget says, change image and crop size."""
    opts = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if not cfg.get(loader):
            continue
        path, dataset = _dataset_path(cfg, loader)
        opts += [f'{path}.data_root={root}', f'{loader}.num_workers=0',
                 f'{loader}.persistent_workers=False']
        for i, step in enumerate(dataset['pipeline']):
            if budget['image'] and 'scale' in step:
                opts.append(f'{path}.pipeline.{i}.scale='
                            f'({budget["image"][0]},{budget["image"][1]})')
            if budget['crop'] and 'crop_size' in step:
                opts.append(f'{path}.pipeline.{i}.crop_size='
                            f'({budget["crop"][0]},{budget["crop"][1]})')
    if budget['crop'] and cfg.model.get('data_preprocessor', {}).get('size'):
        opts.append('model.data_preprocessor.size='
                    f'({budget["crop"][0]},{budget["crop"][1]})')
    return opts


def schedule_options(cfg, iters):
    """``--cfg-options`` that scale an iteration-based config's schedule
    (scheduler begin/end/milestones, hook windows, validation interval) to
    ``iters`` iterations, with one checkpoint at the end."""
    old = cfg.train_cfg['max_iters']
    factor = iters / old

    def scale(v):
        return max(1, round(v * factor)) if v else v

    opts = [f'train_cfg.max_iters={iters}',
            f'default_hooks.checkpoint.interval={iters}',
            f'default_hooks.logger.interval={min(50, iters)}']
    val = cfg.train_cfg.get('val_interval', old)
    opts.append(f'train_cfg.val_interval={min(iters, scale(val))}')
    schedulers = cfg.get('param_scheduler', [])
    for i, sched in enumerate(schedulers if isinstance(schedulers, list)
                              else []):
        for key in ('begin', 'end'):
            if isinstance(sched.get(key), int) and sched[key] < 10**8:
                opts.append(f'param_scheduler.{i}.{key}={scale(sched[key])}')
        if sched.get('milestones'):
            ms = ','.join(str(scale(m)) for m in sched['milestones'])
            opts.append(f'param_scheduler.{i}.milestones=[{ms}]')
    for i, hook in enumerate(cfg.get('custom_hooks', [])):
        for key in ('begin', 'end'):
            if isinstance(hook.get(key), int):
                opts.append(f'custom_hooks.{i}.{key}={scale(hook[key])}')
    return opts


# -------------------------------------------------------------- processes
class RunFailed(RuntimeError):
    pass


def run_tool(args, log, threads):
    """Run ``python args`` from the repository root with ``threads`` CPU
    threads, output appended to ``log``; returns the wall seconds."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), PYTHONPATH=REPO)
    start = time.time()
    with open(log, 'a') as f:
        f.write(f'\n$ python {" ".join(args)}\n')
        f.flush()
        proc = subprocess.run([sys.executable, *args], cwd=REPO, env=env,
                              stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode:
        with open(log) as f:
            tail = ''.join(f.readlines()[-15:])
        raise RunFailed(f'{" ".join(args[:2])} failed (exit '
                        f'{proc.returncode}); see {log}:\n{tail}')
    return time.time() - start


def _sec_per_iter(log):
    with open(log) as f:
        times = [float(t) for t in ITER_TIME.findall(f.read())]
    return sorted(times)[len(times) // 2] if times else None


def _spec_hash(spec):
    return hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest(
    )[:12]


def finished(run_dir, spec):
    """The run's result if it finished with this spec; raises if it
    finished with another one."""
    path = osp.join(run_dir, 'result.json')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        result = json.load(f)
    if result.get('spec_hash') != _spec_hash(spec):
        raise SystemExit(
            f'{path} was written by a run with other settings (budget, '
            'configs or options changed); use a new --out, or delete that '
            'run folder to rerun it')
    return result


def start_fresh(run_dir):
    """An unfinished run's folder is emptied before it starts again."""
    if osp.isdir(run_dir):
        shutil.rmtree(run_dir)
    os.makedirs(run_dir)


def write_result(run_dir, result):
    tmp = osp.join(run_dir, 'result.json.tmp')
    with open(tmp, 'w') as f:
        json.dump(result, f, indent=1)
    os.replace(tmp, osp.join(run_dir, 'result.json'))


# ------------------------------------------------------------------- jobs
class Context:
    """What every job needs: data root, budget, threads, prerequisites."""

    def __init__(self, out, budget, threads):
        self.out = out
        self.budget = budget
        self.threads = threads
        self.data = osp.join(out, 'data', 'street_scenes')
        self.prereq = {}


def train_stages(ctx, stages, seed, run_dir):
    """Train ``stages`` one after the other; returns (config, checkpoint,
    train seconds, seconds per iteration of each stage)."""
    ckpt, total, per_iter = None, 0.0, []
    for k, st in enumerate(stages):
        cfg = _config(st['config'])
        iters = max(1, round(ctx.budget['iters'] * st['share']))
        wd = osp.join(run_dir, f'stage{k}')
        opts = [f'randomness.seed={seed}',
                *data_options(cfg, ctx.data, ctx.budget),
                *schedule_options(cfg, iters), *st['options']]
        if st['init'] == 'previous':
            opts.append(f'model.backbone.init_cfg.checkpoint={ckpt}')
        elif st['init'] == 'classifier':
            opts += [
                'model.backbone.init_cfg.type=Pretrained',
                f'model.backbone.init_cfg.checkpoint='
                f'{ctx.prereq["classifier"]}',
                'model.backbone.init_cfg.prefix=backbone.',
                'model.backbone.init_cfg.strict=True',
                'optim_wrapper.paramwise_cfg.custom_keys.backbone.'
                'lr_mult=0.25',
                'optim_wrapper.paramwise_cfg.custom_keys.backbone.'
                'decay_mult=0.25'
            ]
        elif st['init'] == 'teacher':
            opts += [f'model.teacher_checkpoint={ctx.prereq["teacher"]}',
                     f'model.teacher_config={ESSNET_D}']
        stage_log = osp.join(run_dir, f'stage{k}.log')
        flags = ['--channels-last'] if ctx.budget['channels_last'] else []
        total += run_tool(['tools/train.py', st['config'], '--work-dir', wd,
                           *flags, '--cfg-options', *opts], stage_log,
                          ctx.threads)
        per_iter.append(_sec_per_iter(stage_log))
        ckpt = osp.join(wd, f'iter_{iters}.pth')
        if not osp.isfile(ckpt):
            raise RunFailed(f'{ckpt} missing after training; see '
                            f'{stage_log}')
    return cfg, st, ckpt, total, per_iter


def run_arm(ctx, claim, arm, seed):
    """Train and test one arm at one seed (skipped when finished)."""
    stages = CLAIMS[claim]['arms'][arm]
    run_dir = osp.join(ctx.out, 'runs', claim, arm, f's{seed}')
    spec = dict(stages=stages, seed=seed, budget=ctx.budget,
                prereq={k: v for k, v in ctx.prereq.items()
                        if any(s['init'] == k for s in stages)})
    done = finished(run_dir, spec)
    if done:
        return done
    start_fresh(run_dir)
    cfg, last, ckpt, train_s, per_iter = train_stages(
        ctx, stages, seed, run_dir)
    test_log = osp.join(run_dir, 'test.log')
    run_tool(['tools/test.py', last['config'], ckpt, '--work-dir',
              osp.join(run_dir, 'test'), '--cfg-options',
              *data_options(cfg, ctx.data, ctx.budget), *last['options']],
             test_log, ctx.threads)
    with open(test_log) as f:
        found = METRIC.findall(f.read())
    if not found:
        raise RunFailed(f'no "aAcc: ... mIoU: ..." line in {test_log}')
    result = dict(claim=claim, arm=arm, seed=seed, aAcc=float(found[-1][0]),
                  mIoU=float(found[-1][1]), train_s=round(train_s, 1),
                  sec_per_iter=per_iter, checkpoint=osp.relpath(ckpt, ctx.out),
                  spec_hash=_spec_hash(spec))
    write_result(run_dir, result)
    return result


def run_teacher(ctx):
    """The distillation teacher (ESSNet-D, seed 0), shared by all seeds."""
    run_dir = osp.join(ctx.out, 'prereq', 'teacher')
    iters = ctx.budget['teacher_iters']
    spec = dict(config=ESSNET_D, iters=iters, budget=ctx.budget)
    done = finished(run_dir, spec)
    if not done:
        start_fresh(run_dir)
        cfg = _config(ESSNET_D)
        log = osp.join(run_dir, 'train.log')
        t = run_tool(['tools/train.py', ESSNET_D, '--work-dir', run_dir,
                      '--cfg-options', 'randomness.seed=0',
                      *data_options(cfg, ctx.data, ctx.budget),
                      *schedule_options(cfg, iters)], log, ctx.threads)
        found = METRIC.findall(open(log).read())
        done = dict(checkpoint=osp.join(run_dir, f'iter_{iters}.pth'),
                    train_s=round(t, 1), spec_hash=_spec_hash(spec),
                    mIoU=float(found[-1][1]) if found else None)
        write_result(run_dir, done)
    ctx.prereq['teacher'] = done['checkpoint']
    return done


def run_classifier(ctx):
    """The ESSNetB-D classifier pre-trained on 64x64 tiles of the train
    scenes (majority class as label), shared by all seeds."""
    run_dir = osp.join(ctx.out, 'prereq', 'classifier')
    epochs, tile = ctx.budget['cls_epochs'], 64
    spec = dict(config=CLASSIFIER, epochs=epochs, tile=tile,
                budget=ctx.budget)
    done = finished(run_dir, spec)
    if not done:
        start_fresh(run_dir)
        tiles = osp.join(run_dir, 'tiles')
        make_tiles(ctx.data, tiles, tile)
        opts = [f'{loader}.dataset.data_root={tiles}'
                for loader in ('train_dataloader', 'val_dataloader',
                               'test_dataloader')]
        opts += [
            'model.head.num_classes=19', 'data_preprocessor.num_classes=19',
            f'train_dataloader.dataset.pipeline.1.scale={tile}',
            f'val_dataloader.dataset.pipeline.1.scale={tile}',
            f'val_dataloader.dataset.pipeline.2.crop_size={tile}',
            'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
            'test_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False',
            'val_dataloader.persistent_workers=False',
            'test_dataloader.persistent_workers=False',
            f'train_cfg.max_epochs={epochs}',
            f'param_scheduler.milestones=[{max(1, epochs - 1)}]',
            'default_hooks.logger.interval=50', 'randomness.seed=0'
        ]
        log = osp.join(run_dir, 'train.log')
        t = run_tool(['tools/train.py', CLASSIFIER, '--work-dir',
                      osp.join(run_dir, 'work'), '--cfg-options', *opts],
                     log, ctx.threads)
        top1 = re.findall(r'accuracy/top1: ([\d.]+)', open(log).read())
        done = dict(checkpoint=osp.join(run_dir, 'work',
                                        f'epoch_{epochs}.pth'),
                    train_s=round(t, 1), spec_hash=_spec_hash(spec),
                    top1=float(top1[-1]) if top1 else None)
        write_result(run_dir, done)
    ctx.prereq['classifier'] = done['checkpoint']
    return done


def make_tiles(root, out, tile, val_fraction=0.1):
    """Grid tiles of the train scenes in an ImageNet layout
    (``out/{train,val}/<id>_<class>/*.png`` + ``meta/{train,val}.txt``),
    each labelled with the class covering most of its labelled pixels
    (tiles mostly unlabelled are skipped); the last ``val_fraction`` of the
    train scenes give the val tiles, the segmentation val scenes are never
    used."""
    import cv2
    import numpy as np

    from mmseg_efficient.datasets.cityscapes_labels import CITYSCAPES_CLASSES
    images = sorted(glob.glob(osp.join(root, 'leftImg8bit', 'train', '*',
                                       '*_leftImg8bit.png')))
    if not images:
        raise FileNotFoundError(f'no train scenes under {root}')
    num_val = max(1, int(len(images) * val_fraction))
    lines = {'train': [], 'val': []}
    for i, path in enumerate(images):
        split = 'val' if i >= len(images) - num_val else 'train'
        label_path = path.replace('leftImg8bit', 'gtFine', 1).replace(
            '_leftImg8bit.png', '_gtFine_labelTrainIds.png')
        img = cv2.imread(path)
        label = cv2.imread(label_path, cv2.IMREAD_UNCHANGED)
        stem = osp.basename(path)[:-len('_leftImg8bit.png')]
        for y in range(0, img.shape[0] - tile + 1, tile):
            for x in range(0, img.shape[1] - tile + 1, tile):
                ids = label[y:y + tile, x:x + tile].ravel()
                ids = ids[ids < 19]
                if ids.size * 2 < tile * tile:
                    continue
                cls = int(np.bincount(ids, minlength=19).argmax())
                folder = f'{cls:02d}_{CITYSCAPES_CLASSES[cls]}'
                name = f'{folder}/{stem}_{y}_{x}.png'
                os.makedirs(osp.join(out, split, folder), exist_ok=True)
                cv2.imwrite(osp.join(out, split, name),
                            img[y:y + tile, x:x + tile])
                lines[split].append(f'{name} {cls}')
    for split, rows in lines.items():
        if not rows:
            raise RuntimeError(f'no {split} tiles of {tile}x{tile} px in '
                               f'{root}: scenes too small or unlabelled')
    os.makedirs(osp.join(out, 'meta'), exist_ok=True)
    for split, rows in lines.items():
        with open(osp.join(out, 'meta', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(rows) + '\n')
    return {k: len(v) for k, v in lines.items()}


# -------------------------------------------------------------- scheduler
class Scheduler:
    """Runs jobs on ``workers`` threads (each job starts its tools as
    subprocesses), a job once its dependencies finished, the costliest
    ready job first; ``on_done`` may add jobs."""

    def __init__(self, workers, on_done=None):
        self.workers = workers
        self.on_done = on_done
        self.pending, self.running = [], set()
        self.done, self.failed = {}, {}
        self.cond = threading.Condition()

    def add(self, key, fn, deps=(), cost=1.0):
        with self.cond:
            if key not in self.done and key not in self.running and \
                    all(j['key'] != key for j in self.pending):
                self.pending.append(dict(key=key, fn=fn, deps=tuple(deps),
                                         cost=cost))

    def _worker(self, job):
        try:
            result, error = job['fn'](), None
        except (RunFailed, OSError, RuntimeError, ValueError) as e:
            result, error = None, e
        with self.cond:
            self.running.discard(job['key'])
            if error is None:
                self.done[job['key']] = result
            else:
                self.failed[job['key']] = str(error)
                print(f'[{time.strftime("%H:%M:%S")}] FAILED {job["key"]}: '
                      f'{error}', flush=True)
            self.cond.notify_all()
        if error is None and self.on_done:
            self.on_done(job['key'], result)
            with self.cond:
                self.cond.notify_all()

    def run(self):
        with self.cond:
            while self.pending or self.running:
                for job in list(self.pending):  # a failed dependency
                    bad = [d for d in job['deps'] if d in self.failed]
                    if bad:
                        self.pending.remove(job)
                        self.failed[job['key']] = f'{bad[0]} failed'
                ready = [j for j in self.pending
                         if all(d in self.done for d in j['deps'])]
                if ready and len(self.running) < self.workers:
                    job = max(ready, key=lambda j: j['cost'])
                    self.pending.remove(job)
                    self.running.add(job['key'])
                    threading.Thread(target=self._worker, args=(job, ),
                                     daemon=True).start()
                    continue
                if not self.running and not ready:
                    break  # only jobs whose dependencies cannot finish
                self.cond.wait(timeout=5)
        return self.done, self.failed


# ----------------------------------------------------------------- report
def summarise(claim, results):
    """Per arm mean +- sd and per comparison the paired statistics, over
    the seeds every arm of the comparison finished."""
    spec = CLAIMS[claim]
    by_arm = {arm: {r['seed']: r for r in results if r['arm'] == arm}
              for arm in spec['arms']}
    arms = {arm: mean_sd([r['mIoU'] for r in runs.values()])
            for arm, runs in by_arm.items() if runs}
    comparisons = []
    for a, b, expect in spec['comparisons']:
        seeds = sorted(set(by_arm[a]) & set(by_arm[b]))
        stats = paired_comparison([by_arm[a][s]['mIoU'] for s in seeds],
                                  [by_arm[b][s]['mIoU'] for s in seeds],
                                  expect=expect)
        comparisons.append(dict(a=a, b=b, seeds=seeds, **stats))
    return dict(arms=arms, comparisons=comparisons)


def machine():
    """The CPU (model, cores, ISA) and, when training on CUDA, the GPU."""
    from mmseg_efficient.utils.machine import cpu_info, cpu_summary
    info = cpu_info()
    out = dict(cpu=info, summary=cpu_summary(info), gpu=None)
    try:
        import torch
        if torch.cuda.is_available():
            out['gpu'] = torch.cuda.get_device_name(0)
    except ImportError:  # pragma: no cover
        pass
    return out


def _machine_words(m):
    return m['summary'].split(';')[0] + (f"; GPU {m['gpu']}"
                                         if m.get('gpu') else '')


INIT_WORDS = {
    None: '',
    'previous': ", backbone from the previous stage's last checkpoint",
    'classifier': ', backbone from the shared pre-trained classifier '
    '(encoder lr and weight decay x 0.25)',
    'teacher': ', distilled from the shared teacher (ESSNet-D)',
}


def _fmt(s):
    return f"{s['mean']:.2f} ± {s['sd']:.2f}" if s else '–'


def render_markdown(report):
    b = report['budget']
    lines = [
        '# The papers\' claims in miniature', '',
        'Each claim trains two recipes on the built-in street scenes '
        '(tools/misc/generate_street_data.py) through `tools/train.py` and '
        'evaluates the last checkpoint with `tools/test.py` (single scale, '
        'val scenes); both arms of a seed share data order and the '
        'initialisation of their common parts. The difference is arm B - '
        'arm A in mIoU points, per seed; the interval is the 95 % t '
        'interval of its mean, p the one-sided exact sign-flip '
        "permutation test in the paper's direction. Verdicts: "
        + '; '.join(f'**{k}**: {v}' for k, v in VERDICTS.items()) + '. '
        'A verdict speaks of this miniature at this budget, not of the '
        'paper\'s setting.', '',
        f"Command: `{report['command']}`", '',
        f"Budget `{report['budget_name']}`: {b['iters']} iterations per "
        f"arm (two-stage arms split them), batch 4, {b['num_train']} train "
        f"/ {b['num_val']} val scenes"
        + (f" of {b['image'][0]}x{b['image'][1]} px (W x H), crops "
           f"{b['crop'][0]}x{b['crop'][1]} (H x W)" if b['image'] else
           ' of 512x256 px (W x H), crops 128x256 (H x W, the configs\' '
           'own)')
        + (', channels-last (`tools/train.py --channels-last`)'
           if b['channels_last'] else '')
        + f"; teacher {b['teacher_iters']} iterations, classifier "
        f"{b['cls_epochs']} epochs; {report['seeds']} seeds per claim, up "
        f"to {report['max_seeds']} where inconclusive after them.", '',
        f"Machine: {_machine_words(report['machine'])}; "
        f"{report['workers']} runs in "
        f"parallel, {report['threads']} thread(s) each"
        + (f"; wall time {report['wall_min']:.1f} min." if
           report.get('wall_min') is not None else
           ' (table of the runs finished so far, `--report-only`).'), '',
        '| claim (paper, section) | A | B | n | A mIoU | B mIoU | B - A '
        '[95 % CI] | seeds B > A | p | verdict |',
        '|---|---|---|---:|---:|---:|---:|---:|---:|---|'
    ]
    for name, c in report['claims'].items():
        spec = CLAIMS[name]
        for comp in c['comparisons']:
            ci = (f" [{comp['ci'][0]:+.2f}, {comp['ci'][1]:+.2f}]"
                  if comp['ci'] else '')
            diff = (f"{comp['mean_diff']:+.2f}{ci}"
                    if comp['mean_diff'] is not None else '–')
            p = f"{comp['p_one_sided']:.3f}" if comp['p_one_sided'] \
                is not None else '–'
            lines.append(
                f"| {name} ({spec['paper']}, {spec['section']}) | "
                f"{comp['a']} | {comp['b']} | {comp['n']} | "
                f"{_fmt(c['arms'].get(comp['a']))} | "
                f"{_fmt(c['arms'].get(comp['b']))} | {diff} | "
                f"{comp['wins']}/{comp['n']} | {p} | **{comp['verdict']}** |")
    for name, c in report['claims'].items():
        spec = CLAIMS[name]
        lines += ['', f"## {name}: {spec['paper']}, {spec['section']}", '',
                  f"> {spec['statement']}", '']
        for arm, stages in spec['arms'].items():
            parts = [f"`{s['config']}`" + (f" ({s['share']:.0%} of the "
                                           'iterations)' if s['share'] < 1
                                           else '')
                     + (f" + `{' '.join(s['options'])}`" if s['options']
                        else '')
                     + INIT_WORDS[s['init']] for s in stages]
            lines.append(f"- **{arm}**: {', then '.join(parts)}")
        lines += ['', '| seed | ' + ' | '.join(spec['arms']) +
                  ' | train s (each arm) |',
                  '|---:|' + '---:|' * (len(spec['arms']) + 1)]
        seeds = sorted({r['seed'] for r in c['runs']})
        for s in seeds:
            row = {r['arm']: r for r in c['runs'] if r['seed'] == s}
            lines.append(f'| {s} | ' + ' | '.join(
                f"{row[a]['mIoU']:.2f}" if a in row else '–'
                for a in spec['arms']) + ' | ' + ' / '.join(
                    f"{row[a]['train_s']:.0f}" if a in row else '–'
                    for a in spec['arms']) + ' |')
        for key, value in c.get('prereq', {}).items():
            lines.append(f'\n{key}: ' + ', '.join(
                f'{k} {v}' for k, v in value.items()
                if k not in ('spec_hash', 'checkpoint')))
    if report['failed']:
        lines += ['', '## Failed runs', '']
        lines += [f'- {k}: {v.splitlines()[0]}'
                  for k, v in report['failed'].items()]
    return '\n'.join(lines) + '\n'


# ------------------------------------------------------------------- main
def collect_finished(ctx, args, results):
    """``--report-only``: the finished runs (and prerequisites) of
    ``args.claims`` in ``ctx.out``, into ``results``; nothing is trained."""
    done = {}
    for key in ('teacher', 'classifier'):
        path = osp.join(ctx.out, 'prereq', key, 'result.json')
        if osp.isfile(path):
            with open(path) as f:
                done[key] = json.load(f)
    for claim in args.claims:
        for arm in CLAIMS[claim]['arms']:
            for seed in range(args.max_seeds):
                path = osp.join(ctx.out, 'runs', claim, arm, f's{seed}',
                                'result.json')
                if osp.isfile(path):
                    with open(path) as f:
                        results.setdefault(claim, []).append(json.load(f))
    return done, {}


def render(json_path, doc=None):
    """Write the Markdown of a finished run's ``claims.json`` again."""
    with open(json_path) as f:
        report = json.load(f)
    target = doc or osp.splitext(json_path)[0] + '.md'
    with open(target, 'w') as f:
        f.write(render_markdown(report))
    return target


def main(argv=None):
    args = parse_args(argv)
    if args.render:
        print(render(args.render, args.doc))
        return
    budget = copy.deepcopy(BUDGETS[args.budget])
    if args.iters:
        budget.update(iters=args.iters, teacher_iters=2 * args.iters)
    out = osp.abspath(args.out)
    finished_runs = glob.glob(osp.join(out, 'runs', '*', '*', '*',
                                       'result.json'))
    if finished_runs and not (args.resume or args.report_only):
        raise SystemExit(
            f'{out} already holds finished runs: pass --resume to continue '
            'there (finished runs are kept, never rerun) or choose a new '
            '--out')
    os.makedirs(out, exist_ok=True)
    threads = 1 if budget['device'] == 'cpu' else 2
    ctx = Context(out, budget, threads)
    start = time.time()
    width, height = budget['image'] or (512, 256)
    if not args.report_only:
        run_tool(['tools/misc/generate_street_data.py', '--out', ctx.data,
                  '--num-train', str(budget['num_train']), '--num-val',
                  str(budget['num_val']), '--width', str(width),
                  '--height', str(height), '--workers', str(args.workers)],
                 osp.join(out, 'data.log'), threads)
    results = {}  # claim -> list of run results
    lock = threading.Lock()
    sched = None

    def arm_job(claim, arm, seed):
        return lambda: run_arm(ctx, claim, arm, seed)

    def add_seed(claim, seed):
        spec = CLAIMS[claim]
        deps = (spec['needs'], ) if spec.get('needs') else ()
        for arm, stages in spec['arms'].items():
            sched.add((claim, arm, seed), arm_job(claim, arm, seed), deps,
                      cost=len(stages) * budget['iters'] - seed * 0.1)

    def on_done(key, result):
        if key[0] not in CLAIMS:
            return
        claim, _, seed = key
        with lock:
            results.setdefault(claim, []).append(result)
            runs = results[claim]
            n_arms = len(CLAIMS[claim]['arms'])
            complete = [s for s in range(args.seeds)
                        if sum(r['seed'] == s for r in runs) == n_arms]
            if seed >= args.seeds or len(complete) < args.seeds or \
                    len(runs) != n_arms * args.seeds:
                return
            summary = summarise(claim, runs)
        if any(c['verdict'] == 'inconclusive'
               for c in summary['comparisons']):
            for s in range(args.seeds, args.max_seeds):
                add_seed(claim, s)

    sched = Scheduler(args.workers, on_done)
    needs = {CLAIMS[c].get('needs') for c in args.claims} - {None}
    if 'teacher' in needs:
        sched.add('teacher', lambda: run_teacher(ctx), cost=1e9)
    if 'classifier' in needs:
        sched.add('classifier', lambda: run_classifier(ctx), cost=1e9)
    for claim in args.claims:
        for seed in range(args.seeds):
            add_seed(claim, seed)
    if args.report_only:
        done, failed = collect_finished(ctx, args, results)
    else:
        done, failed = sched.run()
    report = dict(
        command='python tools/experiments/claims.py ' + ' '.join(
            sys.argv[1:] if argv is None else argv),
        budget_name=args.budget, budget=budget, seeds=args.seeds,
        max_seeds=args.max_seeds, workers=args.workers, threads=threads,
        machine=machine(),
        wall_min=None if args.report_only else (time.time() - start) / 60,
        failed={str(k): v for k, v in failed.items()}, claims={})
    for claim in args.claims:
        runs = sorted(results.get(claim, []),
                      key=lambda r: (r['seed'], r['arm']))
        entry = dict(runs=runs, **summarise(claim, runs))
        need = CLAIMS[claim].get('needs')
        if need and need in done:
            entry['prereq'] = {need: done[need]}
        report['claims'][claim] = entry
    text = render_markdown(report)
    targets = [osp.join(out, 'claims')]
    if args.doc:
        targets.append(osp.splitext(args.doc)[0])
    for base in targets:
        os.makedirs(osp.dirname(osp.abspath(base)), exist_ok=True)
        with open(base + '.md', 'w') as f:
            f.write(text)
        with open(base + '.json', 'w') as f:
            json.dump(report, f, indent=1)
    print(text)
    if failed:
        raise SystemExit(f'{len(failed)} job(s) failed: '
                         f'{", ".join(map(str, failed))}')


if __name__ == '__main__':
    main()
