"""Write the image lists of the COCO-Stuff subset the ShuffleNet V2 + DPC
authors pre-train on: the images with at least ``--min-pixels`` pixels
(1000, the authors' filter) of the 9 COCO classes that Cityscapes has.

Run mmseg's converter first (it writes ``*_labelTrainIds.png``)::

    # mmseg's converter (mmsegmentation repository):
    python tools/dataset_converters/coco_stuff164k.py data/coco_stuff164k
    python tools/dataset_converters/coco_stuff_subset.py data/coco_stuff164k

This writes ``cityscapes_classes_{train2017,val2017}.txt`` (image stems, one
a line) into the data root: the ``ann_file`` of
``configs/shufflenetv2_dpc/_base_/coco-subset_769x769.py``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

from mmseg_efficient.datasets.coco_stuff_subset import (  # noqa: E402
    CITYSCAPES_COCO_CLASSES, select_images)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='COCO-Stuff 164k root (holds '
                        'images/ and annotations/)')
    parser.add_argument('--splits', nargs='+',
                        default=['train2017', 'val2017'])
    parser.add_argument('--min-pixels', type=int, default=1000)
    parser.add_argument('--classes', nargs='+',
                        default=list(CITYSCAPES_COCO_CLASSES))
    parser.add_argument('--prefix', default='cityscapes_classes',
                        help='list files are <root>/<prefix>_<split>.txt')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    for split in args.splits:
        try:
            stems = select_images(
                osp.join(args.root, 'annotations', split), args.classes,
                args.min_pixels)
        except (FileNotFoundError, ValueError) as err:
            raise SystemExit(str(err))
        out = osp.join(args.root, f'{args.prefix}_{split}.txt')
        with open(out, 'w') as f:
            f.writelines(s + '\n' for s in stems)
        print(f'{split}: {len(stems)} images with >= {args.min_pixels} '
              f'pixels of {len(args.classes)} classes -> {out}')


if __name__ == '__main__':
    main()
