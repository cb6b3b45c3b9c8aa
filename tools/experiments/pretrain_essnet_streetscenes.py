# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""ESSNet-D from scratch vs from a pre-trained classifier, on the built-in
street scenes (a miniature of the thesis' ImageNet pre-training,
§3.4.2 / §4.2).

1. Generates --num-train/--num-val street scenes (seed 0) under OUT/data.
2. Cuts the *train* scenes into --crop x --crop tiles (a grid) and files
   each under the class that covers most of its labelled pixels (tiles
   whose majority is unlabelled are skipped): an ImageNet-layout folder
   OUT/crops/{train,val}/<id>_<class>/*.png with meta/{train,val}.txt (the
   last 10 % of the train scenes give the classifier's val tiles; the
   segmentation val scenes are never used for pre-training).
3. Pre-trains the ESSNetB-D classifier
   (configs/pretrain/essnetb-d_8xb32_in1k.py: mmpretrain's
   ImageClassifier, GAP + linear head, RandomResizedCrop + flip, SGD;
   lr x0.1 for the last epoch) on those tiles through tools/train.py,
   19 classes, --cls-epochs epochs, batch 32.
4. For each seed, fine-tunes ESSNet-D on the street scenes with the demo
   recipe (configs/demo/essnet-d_ups_1xb4-600i_streetscenes-128x256.py:
   128x256 crops, batch 4, Adam 1e-3 + poly, ENet class weights) for
   --iters iterations through tools/train.py, twice:
   - scratch: the config as is;
   - pretrained: the encoder from the classifier's last checkpoint
     (init_cfg Pretrained, prefix 'backbone.', strict, as the -in1k-pre
     configs), lr and weight decay x0.25 on the encoder (thesis §4.2);
   and evaluates each final checkpoint with tools/test.py (single scale).

Same data, crop, batch, iterations and optimizer in both arms; the
pre-training itself is extra compute on top (its time is printed).

Not part of CI (about 15 minutes on 2 CPU cores with the defaults). Run
from the repository root::

    OMP_NUM_THREADS=1 python \
        tools/experiments/pretrain_essnet_streetscenes.py \
        --out /tmp/pretrain-mini --seeds 0 1 2

The table goes to OUT/results_<iters>i.md (and .json) and is printed. A
second run with the same --out, tile size and --cls-epochs reuses the
classifier (e.g. ``--iters 600`` for the demo's budget).
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import statistics
import subprocess
import sys
import time

import cv2
import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLASSIFIER = 'configs/pretrain/essnetb-d_8xb32_in1k.py'
SEGMENTOR = 'configs/demo/essnet-d_ups_1xb4-600i_streetscenes-128x256.py'
METRIC = re.compile(r'aAcc: ([\d.]+)\s+mIoU: ([\d.]+)')
TOP1 = re.compile(r'accuracy/top1: ([\d.]+)')


def run(args, log):
    """Run ``python args`` from the repo root, output appended to ``log``;
    returns the wall time."""
    start = time.time()
    with open(log, 'a') as f:
        f.write(f'\n$ python {" ".join(args)}\n')
        f.flush()
        proc = subprocess.run([sys.executable, *args], stdout=f,
                              stderr=subprocess.STDOUT, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f'{" ".join(args)} failed; see {log}')
    return time.time() - start


def last_match(pattern, log):
    with open(log) as f:
        found = pattern.findall(f.read())
    if not found:
        raise RuntimeError(f'no {pattern.pattern!r} in {log}')
    return found[-1]


def make_crops(root, out, crop, val_fraction=0.1):
    """Grid tiles of the train scenes, labelled with their majority class.

    Returns:
        dict: tiles per split and per class id.
    """
    from mmseg_efficient.datasets.cityscapes_labels import CITYSCAPES_CLASSES
    images = sorted(glob.glob(osp.join(root, 'leftImg8bit', 'train', '*',
                                       '*_leftImg8bit.png')))
    if not images:
        raise FileNotFoundError(f'no train scenes under {root}')
    num_val = max(1, int(len(images) * val_fraction))
    counts = {'train': [0] * 19, 'val': [0] * 19}
    lines = {'train': [], 'val': []}
    for i, path in enumerate(images):
        split = 'val' if i >= len(images) - num_val else 'train'
        label_path = path.replace('leftImg8bit', 'gtFine', 1).replace(
            '_leftImg8bit.png', '_gtFine_labelTrainIds.png')
        img = cv2.imread(path)
        label = cv2.imread(label_path, cv2.IMREAD_UNCHANGED)
        stem = osp.basename(path)[:-len('_leftImg8bit.png')]
        for y in range(0, img.shape[0] - crop + 1, crop):
            for x in range(0, img.shape[1] - crop + 1, crop):
                ids = label[y:y + crop, x:x + crop].ravel()
                ids = ids[ids < 19]
                if ids.size * 2 < crop * crop:
                    continue  # mostly unlabelled
                cls = int(np.bincount(ids, minlength=19).argmax())
                folder = f'{cls:02d}_{CITYSCAPES_CLASSES[cls]}'
                name = f'{folder}/{stem}_{y}_{x}.png'
                os.makedirs(osp.join(out, split, folder), exist_ok=True)
                cv2.imwrite(osp.join(out, split, name),
                            img[y:y + crop, x:x + crop])
                lines[split].append(f'{name} {cls}')
                counts[split][cls] += 1
    os.makedirs(osp.join(out, 'meta'), exist_ok=True)
    for split, rows in lines.items():
        with open(osp.join(out, 'meta', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(rows) + '\n')
    return counts


def data_opts(root):
    return [
        f'{loader}.dataset.data_root={root}'
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')
    ]


def pretrain(crops, work, crop, epochs, log):
    """Train the classifier, or reuse the one a previous run trained with
    the same tile size and epochs. Returns its last checkpoint, training
    time and val top-1."""
    wd = osp.join(work, f'classifier_{crop}px_{epochs}e')
    checkpoint = osp.join(wd, f'epoch_{epochs}.pth')
    summary_file = osp.join(wd, 'summary.json')
    if osp.isfile(checkpoint) and osp.isfile(summary_file):
        with open(summary_file) as f:
            done = json.load(f)
        return checkpoint, done['train_s'], done['top1']
    opts = [
        *data_opts(crops), 'model.head.num_classes=19',
        'data_preprocessor.num_classes=19',
        f'train_dataloader.dataset.pipeline.1.scale={crop}',
        f'val_dataloader.dataset.pipeline.1.scale={crop}',
        f'val_dataloader.dataset.pipeline.2.crop_size={crop}',
        'train_dataloader.num_workers=1', 'val_dataloader.num_workers=1',
        'test_dataloader.num_workers=1', f'train_cfg.max_epochs={epochs}',
        f'param_scheduler.milestones=[{max(1, epochs - 1)}]',
        'default_hooks.logger.interval=50', 'randomness.seed=0'
    ]
    t = run(['tools/train.py', CLASSIFIER, '--work-dir', wd,
             '--cfg-options', *opts], log)
    top1 = float(last_match(TOP1, log))
    with open(summary_file, 'w') as f:
        json.dump(dict(train_s=t, top1=top1), f)
    return checkpoint, t, top1


def finetune(arm, seed, root, work, iters, checkpoint, log):
    wd = osp.join(work, f'{arm}_{iters}i_s{seed}')
    opts = [
        '--cfg-options', f'randomness.seed={seed}', *data_opts(root),
        f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
        f'param_scheduler.0.end={iters}',
        f'default_hooks.checkpoint.interval={iters}'
    ]
    train_opts = list(opts)
    if arm == 'pretrained':
        train_opts += [
            'model.backbone.init_cfg.type=Pretrained',
            f'model.backbone.init_cfg.checkpoint={checkpoint}',
            'model.backbone.init_cfg.prefix=backbone.',
            'model.backbone.init_cfg.strict=True',
            'optim_wrapper.paramwise_cfg.custom_keys.backbone.lr_mult=0.25',
            'optim_wrapper.paramwise_cfg.custom_keys.backbone.decay_mult='
            '0.25'
        ]
    t = run(['tools/train.py', SEGMENTOR, '--work-dir', wd, *train_opts],
            log)
    run(['tools/test.py', SEGMENTOR, osp.join(wd, f'iter_{iters}.pth'),
         '--work-dir', wd, *opts], log)
    acc, miou = last_match(METRIC, log)
    return dict(arm=arm, seed=seed, train_s=t, aAcc=float(acc),
                mIoU=float(miou))


def summary(results, header=''):
    lines = [header, '| arm | seed | train s | aAcc | mIoU |',
             '|---|---:|---:|---:|---:|']
    for r in results:
        lines.append(f"| {r['arm']} | {r['seed']} | {r['train_s']:.0f} | "
                     f"{r['aAcc']:.2f} | {r['mIoU']:.2f} |")
    for arm in ('scratch', 'pretrained'):
        vals = [r['mIoU'] for r in results if r['arm'] == arm]
        if vals:
            sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
            lines.append(f'\n{arm}: mIoU {statistics.mean(vals):.2f} +- '
                         f'{sd:.2f} (mean +- sd, n={len(vals)}, min '
                         f'{min(vals):.2f}, max {max(vals):.2f})')
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='/tmp/pretrain-mini')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--num-train', type=int, default=300)
    parser.add_argument('--num-val', type=int, default=50)
    parser.add_argument('--crop', type=int, default=64,
                        help='tile size of the classification data')
    parser.add_argument('--cls-epochs', type=int, default=3)
    parser.add_argument('--iters', type=int, default=300,
                        help='fine-tuning iterations of each arm')
    args = parser.parse_args(argv)
    out = osp.abspath(args.out)
    root = osp.join(out, 'data', 'street_scenes')
    crops = osp.join(out, 'crops')
    work = osp.join(out, 'work')
    os.makedirs(work, exist_ok=True)
    log = osp.join(out, 'experiment.log')
    if not osp.isfile(osp.join(root, 'street_scenes.json')):
        run(['tools/misc/generate_street_data.py', '--out', root,
             '--num-train', str(args.num_train), '--num-val',
             str(args.num_val)], log)
    if not osp.isfile(osp.join(crops, 'meta', 'val.txt')):
        counts = make_crops(root, crops, args.crop)
        print(f'tiles per class (train): {counts["train"]}; val: '
              f'{sum(counts["val"])}', flush=True)
    checkpoint, cls_s, top1 = pretrain(crops, work, args.crop,
                                       args.cls_epochs, log)
    header = (f'classifier: {args.cls_epochs} epochs on {args.crop}x'
              f'{args.crop} tiles, {cls_s:.0f} s, val top-1 {top1:.2f} %; '
              f'fine-tuning: {args.iters} iterations per arm\n')
    print(header, flush=True)
    results = []
    for seed in args.seeds:
        for arm in ('scratch', 'pretrained'):
            results.append(
                finetune(arm, seed, root, work, args.iters, checkpoint, log))
            text = summary(results, header)
            with open(osp.join(out, f'results_{args.iters}i.md'), 'w') as f:
                f.write(text + '\n')
            with open(osp.join(out, f'results_{args.iters}i.json'),
                      'w') as f:
                json.dump(dict(classifier_s=cls_s, top1=top1,
                               results=results), f, indent=1)
            print(text, flush=True)


if __name__ == '__main__':
    main()
