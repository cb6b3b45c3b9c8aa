# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Per-class pixel statistics of a dataset config and class-balancing weights.

Counts the labelled pixels of every class over the ``--split`` dataset of a
config (only the label loader of its pipeline is run: no augmentation),
then prints and optionally writes (JSON) four weightings, see
:mod:`mmseg_efficient.datasets.class_weights`:

- ``enet``: ENet's ``1 / ln(c + p_c)`` (``--c``, 1.10 in the ESSNet thesis),
- ``inverse``: inverse frequency ``sum(n) / (K n_c)``,
- ``median``: median frequency balancing (SegNet),
- ``effective``: effective number of samples (Cui et al., ``--beta``).

Paste the printed ``class_weight=[...]`` of ``--method`` into a config's
``loss_decode=dict(type='CrossEntropyLoss', class_weight=...)``, or write
them with ``--weights-out FILE.npy`` (float32, one weight per class) and
give the path: mmseg's ``CrossEntropyLoss(class_weight='FILE.npy')`` reads
it when the model is built.

Choosing beta (class-balanced loss, Cui et al. 2019): the effective number
of ``n`` samples is ``E_n = (1 - beta^n) / (1 - beta)``, which saturates at
``1 / (1 - beta)``: classes with many more than ``1 / (1 - beta)`` samples
all get the same weight. Cui et al. count images (beta 0.9-0.9999); counted
in pixels, the default 0.9999 saturates at 10^4 pixels and gives nearly
uniform weights. Pick ``1 / (1 - beta)`` near the pixel count of the
frequent classes, e.g. ``--beta 0.999999`` (10^6 pixels) for KITTI's 150
frames of 1242x375 (70 M pixels; road/vegetation/building have 10^7 each,
rare classes 10^4-10^5), used by ``configs/segformer_kitti``.

Examples (CB_CONFIG: a configs/segformer_kitti ``-cb-`` config):
    python tools/analysis_tools/class_stats.py \
        configs/demo/erfnet_fcn_1xb4-600i_streetscenes-128x256.py \
        --out work_dirs/street_class_stats.json
    python tools/analysis_tools/class_stats.py CB_CONFIG \
        --method effective --beta 0.999999 \
        --weights-out data/kitti_semantics/class_weight_cb.npy
"""
import argparse
import copy
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401
import numpy as np  # noqa: E402

from mmseg_efficient.datasets.class_weights import (  # noqa: E402
    WEIGHTING_METHODS, class_frequencies, compute_class_weights)
from mmseg_efficient.utils import (CfgOptionsAction,  # noqa: E402
                                   load_config)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Per-class pixel counts and class weights of a dataset')
    parser.add_argument('config', help='config file (or mmseg::path)')
    parser.add_argument(
        '--split',
        default='train',
        choices=['train', 'val', 'test'],
        help='which <split>_dataloader.dataset to count (default: train)')
    parser.add_argument('--out', help='write the statistics to this JSON')
    parser.add_argument(
        '--c',
        type=float,
        default=1.10,
        help='ENet constant c of 1/ln(c + p) (default: 1.10, the thesis)')
    parser.add_argument(
        '--beta',
        type=float,
        default=0.9999,
        help='beta of the effective-number weights (default: 0.9999; '
        'see the module docstring for pixel counts)')
    parser.add_argument(
        '--method',
        default='enet',
        choices=WEIGHTING_METHODS,
        help='weighting printed as class_weight=[...] and written by '
        '--weights-out (default: enet)')
    parser.add_argument(
        '--weights-out',
        help='write the --method weights to this .npy (float32, one per '
        'class), for CrossEntropyLoss(class_weight=PATH)')
    parser.add_argument(
        '--label-downsample',
        type=int,
        default=1,
        help='count labels downsampled by this factor (nearest, centre '
        'sample), e.g. 8 for the 1/8 labels of encoder-only training '
        '(default: 1)')
    parser.add_argument(
        '--max-images',
        type=int,
        default=None,
        help='only count the first N images (quick looks)')
    parser.add_argument(
        '--num-workers',
        type=int,
        default=0,
        help='worker processes loading the labels (default: 0)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override some settings in the used config (key=value)')
    args = parser.parse_args(argv)
    if args.c <= 1:
        parser.error(f'--c must be > 1, got {args.c}')
    if not 0 <= args.beta < 1:
        parser.error(f'--beta must be in [0, 1), got {args.beta}')
    if args.weights_out and not args.weights_out.endswith('.npy'):
        parser.error('--weights-out must end with .npy (mmseg\'s '
                     f'CrossEntropyLoss reads .npy with np.load), got '
                     f'{args.weights_out}')
    if args.label_downsample < 1:
        parser.error('--label-downsample must be >= 1, got '
                     f'{args.label_downsample}')
    return args


def _is_label_step(transform: dict) -> bool:
    """A label loader (``LoadAnnotations``) or the label check after it."""
    t = transform.get('type', '')
    t = t if isinstance(t, str) else getattr(t, '__name__', '')
    return 'Annotations' in t or t.endswith('CheckSegLabel')


def label_only_dataset_cfg(dataset_cfg: dict) -> dict:
    """A copy of ``dataset_cfg`` whose pipeline only loads the labels.

    Wrappers of one dataset (``RepeatDataset``, ``ClassBalancedDataset``,
    EfficientSeg's ``RareClassOversampledDataset``: a ``dataset`` key and
    no ``pipeline`` of their own) are removed, so that each image is
    counted once, and ``ConcatDataset`` members are handled one by one. The
    pipeline's own label loader and its ``CheckSegLabel`` are kept when
    there are some, otherwise mmseg's ``LoadAnnotations`` is used.
    """
    cfg = copy.deepcopy(dataset_cfg)
    dtype = str(cfg.get('type', ''))
    if isinstance(cfg.get('dataset'), dict) and 'pipeline' not in cfg:
        return label_only_dataset_cfg(cfg['dataset'])
    if dtype.endswith('ConcatDataset'):
        cfg['datasets'] = [label_only_dataset_cfg(d) for d in cfg['datasets']]
        return cfg
    pipeline = cfg.get('pipeline') or []
    steps = [t for t in pipeline if _is_label_step(t)]
    cfg['pipeline'] = steps or [dict(type='LoadAnnotations')]
    return cfg


class _LabelCounts:
    """Map-style dataset returning per-class pixel counts of one label."""

    def __init__(self, dataset, num_classes: int, ignore_index: int,
                 downsample: int):
        self.dataset = dataset
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.downsample = downsample

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, idx: int) -> np.ndarray:
        ds = self.dataset
        info = ds.get_data_info(idx)
        label = ds.pipeline(info)['gt_seg_map']
        if self.downsample > 1:
            import torch

            from mmseg_efficient.models.decode_heads import downsample_label
            h, w = label.shape
            size = (-(-h // self.downsample), -(-w // self.downsample))
            label = downsample_label(
                torch.from_numpy(np.ascontiguousarray(label))[None].long(),
                size, 'nearest').numpy()[0]
        hist = np.bincount(label.ravel().astype(np.int64), minlength=256)
        return hist[:self.num_classes].astype(np.int64)


def count_pixels(dataset,
                 num_classes: int,
                 ignore_index: int = 255,
                 downsample: int = 1,
                 max_images=None,
                 num_workers: int = 0,
                 progress: bool = True) -> dict:
    """Per-class pixel counts over a built mmseg dataset.

    Args:
        dataset: An mmseg ``BaseSegDataset`` whose pipeline loads labels.
        num_classes (int): Number of classes; ids ``>= num_classes`` (the
            ignore index included) are not counted.
        ignore_index (int): The ignored id. Default: 255.
        downsample (int): Label downsampling factor. Default: 1.
        max_images (int, optional): Count only the first N images.
        num_workers (int): DataLoader workers. Default: 0.
        progress (bool): Show mmengine's progress bar. Default: True.

    Returns:
        dict: ``counts`` (pixels per class), ``image_pixels`` (per class, the
        labelled pixels of the images where it appears) and ``num_images``.
    """
    import torch
    from torch.utils.data import DataLoader, Subset

    from mmseg_efficient.utils import progress_bar

    source = _LabelCounts(dataset, num_classes, ignore_index, downsample)
    n = len(source) if max_images is None else min(max_images, len(source))
    if n == 0:
        raise ValueError('The dataset is empty: nothing to count')
    loader = DataLoader(
        Subset(source, range(n)),
        batch_size=None,
        num_workers=num_workers,
        collate_fn=lambda x: x)
    counts = np.zeros(num_classes, dtype=np.int64)
    image_pixels = np.zeros(num_classes, dtype=np.int64)
    # a \r bar on a terminal, a line every 10 % in a log file
    bar = progress_bar(n, 'images counted') if progress else None
    with torch.no_grad():
        for hist in loader:
            hist = np.asarray(hist)
            counts += hist
            image_pixels[hist > 0] += hist.sum()
            if bar is not None:
                bar.update()
    if bar is not None and sys.stdout.isatty():
        sys.stdout.write('\n')
    return dict(counts=counts, image_pixels=image_pixels, num_images=n)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    from mmengine.registry import init_default_scope

    from mmseg.registry import DATASETS
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    key = f'{args.split}_dataloader'
    if key not in cfg or 'dataset' not in cfg[key]:
        raise KeyError(f'{args.config} has no {key}.dataset')
    dataset = DATASETS.build(label_only_dataset_cfg(cfg[key]['dataset']))
    classes = list(dataset.metainfo.get('classes', []))
    num_classes = len(classes)
    if num_classes == 0:
        raise ValueError('The dataset metainfo has no classes')
    ignore_index = dataset.ignore_index if hasattr(dataset,
                                                   'ignore_index') else 255
    stats = count_pixels(
        dataset,
        num_classes,
        ignore_index=ignore_index,
        downsample=args.label_downsample,
        max_images=args.max_images,
        num_workers=args.num_workers)
    counts = stats['counts']
    if counts.sum() == 0:
        raise ValueError('No labelled pixel found in the dataset')
    weights = compute_class_weights(
        counts, c=args.c, beta=args.beta, image_pixels=stats['image_pixels'])
    freqs = class_frequencies(counts)

    width = max(len(c) for c in classes + ['class'])
    header = f'{"class":<{width}} {"pixels":>13} {"p_c":>8} ' + ' '.join(
        f'{m:>9}' for m in WEIGHTING_METHODS)
    print(f'{stats["num_images"]} images of the {args.split} split, '
          f'{int(counts.sum())} labelled pixels' +
          (f' (labels downsampled x{args.label_downsample})' if args.
           label_downsample > 1 else ''))
    print(header)
    print('-' * len(header))
    for i, name in enumerate(classes):
        print(f'{name:<{width}} {int(counts[i]):>13} {freqs[i]:>8.5f} ' +
              ' '.join(f'{weights[m][i]:>9.4f}' for m in WEIGHTING_METHODS))
    chosen = weights[args.method]
    param = dict(enet=f' (c={args.c})', effective=f' (beta={args.beta})')
    listed = ', '.join(f'{w:.4f}' for w in chosen)
    print(f'\n{args.method} weights{param.get(args.method, "")} for '
          f'loss_decode:\nclass_weight=[{listed}]')
    if args.weights_out:
        out_dir = osp.dirname(osp.abspath(args.weights_out))
        os.makedirs(out_dir, exist_ok=True)
        np.save(args.weights_out, chosen.astype(np.float32))
        print(f'{args.method} weights written to {args.weights_out}')

    if args.out:
        result = dict(
            config=args.config,
            split=args.split,
            num_images=stats['num_images'],
            label_downsample=args.label_downsample,
            classes=classes,
            counts=counts.tolist(),
            image_pixels=stats['image_pixels'].tolist(),
            frequencies=freqs.tolist(),
            params=dict(c=args.c, beta=args.beta),
            weights={m: weights[m].tolist()
                     for m in WEIGHTING_METHODS})
        out_dir = osp.dirname(osp.abspath(args.out))
        os.makedirs(out_dir, exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'Statistics written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
