"""Prepare Minicity (VIPriors segmentation challenge) for mmseg.

Minicity ships Cityscapes label ids only
(``gtFine/{train,val}/<stem>_gtFine_labelIds.png``); this writes the
``<stem>_gtFine_labelTrainIds.png`` files that mmseg's CityscapesDataset and
``configs/_base_/datasets/minicity.py`` read (ids 0-18, 255 for void).

Example:
    python tools/dataset_converters/minicity.py data/minicity
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

from mmseg_efficient.datasets.cityscapes_labels import (  # noqa: E402
    LabelFormatError)
from mmseg_efficient.datasets.minicity import convert_minicity  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='Minicity root (holds gtFine/)')
    parser.add_argument('--splits', nargs='+', default=['train', 'val'])
    parser.add_argument('--overwrite', action='store_true',
                        help='rewrite existing labelTrainIds files')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not osp.isdir(args.root):
        raise SystemExit(f'{args.root} is not a directory')
    try:
        written = convert_minicity(args.root, args.splits, args.overwrite)
    except LabelFormatError as err:
        raise SystemExit(f'{type(err).__name__}: {err}')
    except (FileNotFoundError, ValueError) as err:
        raise SystemExit(str(err))
    print(f'Wrote {written} *_gtFine_labelTrainIds.png files under '
          f'{osp.join(args.root, "gtFine")}')


if __name__ == '__main__':
    main()
