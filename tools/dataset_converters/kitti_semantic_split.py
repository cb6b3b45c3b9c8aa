# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Write the reproducible train/val split files of KITTI semantics.

The report (CV3315) trains on 150 and evaluates on 50 of KITTI's 200
labelled ``training`` frames but does not publish which; this split is
ours. The tool shuffles the sorted frame names with ``--seed`` (default 0)
and writes ``DATA_ROOT/splits/train.txt`` and ``val.txt`` (frame
names without suffix), which ``configs/_base_/datasets/kitti_semantics.py``
reads (with an official or given split, write those two files yourself
instead). Labels are not converted: ``KittiSemanticDataset`` maps the
Cityscapes label ids to train ids on the fly.

Example:
    python tools/dataset_converters/kitti_semantic_split.py \
        data/kitti_semantics --num-train 150 --num-val 50 --seed 0
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

from mmseg_efficient.datasets import write_kitti_splits  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root', help='KITTI data_semantics folder')
    parser.add_argument('--num-train', type=int, default=150)
    parser.add_argument('--num-val', type=int, default=50)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out-dir', default='splits',
                        help='folder under data_root (default: splits)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    train, val = write_kitti_splits(args.data_root, args.num_train,
                                    args.num_val, args.seed, args.out_dir)
    print(f'{len(train)} train / {len(val)} val frames written to '
          f'{osp.join(args.data_root, args.out_dir)} (seed {args.seed})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
