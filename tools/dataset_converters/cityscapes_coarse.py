"""Rasterise Cityscapes' coarse polygons to train-id label files.

Writes ``<stem>_gtCoarse_labelTrainIds.png`` next to every
``<stem>_gtCoarse_polygons.json`` of ``gtCoarse/<split>`` with
cityscapesscripts' ``json2labelImg(..., 'trainIds')``, exactly as mmseg's
``tools/dataset_converters/cityscapes.py`` does. mmseg's converter, run with
``--gt-dir gtCoarse``, writes the same labels (for every gtCoarse split) but
then overwrites the split lists ``train.txt`` / ``val.txt`` of its output
folder (the data root by default) with coarse file names and stops with a
``FileNotFoundError`` for ``gtCoarse/test``, which Cityscapes does not ship.
This one converts only ``--splits`` (default ``train_extra``, the 19,998
images of the coarse pre-training stage) and writes no lists.

Example::

    pip install cityscapesscripts
    python tools/dataset_converters/cityscapes_coarse.py data/cityscapes \
        --nproc 8
"""
import argparse
import glob
import os.path as osp
import sys
from functools import partial

POLYGONS = '_polygons.json'
TRAIN_IDS = '_labelTrainIds.png'


def _convert_one(json_file: str, json2label) -> None:
    json2label(json_file, json_file[:-len(POLYGONS)] + TRAIN_IDS, 'trainIds')


def convert(root: str, splits=('train_extra', ), nproc: int = 1,
            overwrite: bool = False, json2label=None) -> int:
    """Convert the polygons of ``root/gtCoarse/<split>``; returns the number
    of label files written.

    Raises:
        FileNotFoundError: A split folder is missing or holds no polygons.
    """
    if json2label is None:
        try:
            from cityscapesscripts.preparation.json2labelImg import \
                json2labelImg as json2label
        except ImportError as err:
            raise ImportError('the polygons are rasterised by '
                              'cityscapesscripts: pip install '
                              'cityscapesscripts') from err
    files = []
    for split in splits:
        folder = osp.join(root, 'gtCoarse', split)
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'{folder} does not exist (unzip gtCoarse.zip into {root})')
        found = sorted(
            glob.glob(osp.join(folder, '*', '*_gtCoarse' + POLYGONS)))
        if not found:
            raise FileNotFoundError(
                f'no <city>/*_gtCoarse{POLYGONS} under {folder}')
        files += [
            f for f in found if overwrite
            or not osp.isfile(f[:-len(POLYGONS)] + TRAIN_IDS)
        ]
    job = partial(_convert_one, json2label=json2label)
    if nproc > 1 and files:
        from mmengine.utils import track_parallel_progress
        track_parallel_progress(job, files, nproc)
    else:
        for f in files:
            job(f)
    return len(files)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='Cityscapes root (holds gtCoarse/)')
    parser.add_argument('--splits', nargs='+', default=['train_extra'])
    parser.add_argument('--nproc', type=int, default=1)
    parser.add_argument('--overwrite', action='store_true',
                        help='rewrite existing labelTrainIds files')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        written = convert(args.root, args.splits, args.nproc, args.overwrite)
    except (FileNotFoundError, ImportError) as err:
        sys.exit(str(err))
    print(f'Wrote {written} *_gtCoarse{TRAIN_IDS} files under '
          f'{osp.join(args.root, "gtCoarse")} ({", ".join(args.splits)})')


if __name__ == '__main__':
    main()
