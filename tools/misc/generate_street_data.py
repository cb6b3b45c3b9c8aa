# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Generate the procedural street-scene dataset in the Cityscapes layout.

Example (from the repository root)::

    python tools/misc/generate_street_data.py --out data/street_scenes \\
        --num-train 200 --num-val 50 --width 512 --height 256

If ``--out`` already holds a complete dataset made with the same parameters
(see its ``street_scenes.json``), nothing is regenerated unless ``--force``
is given. When regenerating, only ``<out>/leftImg8bit``, ``<out>/gtFine`` and
the manifest are replaced; nothing outside ``--out`` is ever deleted.
"""
import argparse
import os
import os.path as osp
import shutil
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

from mmseg_efficient.datasets import street_scenes as gen  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate procedural street scenes in the Cityscapes '
        'layout (leftImg8bit/ + gtFine/ labelIds and labelTrainIds).')
    parser.add_argument('--out', default='data/street_scenes',
                        help='dataset root (default: %(default)s)')
    parser.add_argument('--num-train', type=int, default=200,
                        help='training images (default: %(default)s)')
    parser.add_argument('--num-val', type=int, default=50,
                        help='validation images (default: %(default)s)')
    parser.add_argument('--width', type=int, default=512,
                        help='image width, even (default: %(default)s)')
    parser.add_argument('--height', type=int, default=256,
                        help='image height, even (default: %(default)s)')
    parser.add_argument('--seed', type=int, default=0,
                        help='base seed (default: %(default)s)')
    parser.add_argument('--workers', type=int, default=1,
                        help='worker processes (default: %(default)s)')
    parser.add_argument('--force', action='store_true',
                        help='regenerate even if a matching dataset exists')
    return parser.parse_args(argv)


def remove_generated(out_dir: str) -> None:
    """Delete the generated folders and manifest inside ``out_dir`` only.

    Args:
        out_dir (str): Dataset root.
    """
    for name in gen.GENERATED_DIRS + (gen.MANIFEST_NAME, ):
        path = osp.join(out_dir, name)
        if osp.islink(path) or osp.isfile(path):
            os.unlink(path)  # a link is removed, never what it points to
        elif osp.isdir(path):
            shutil.rmtree(path)


def print_summary(out_dir: str, manifest: dict, seconds=None,
                  per_image=None) -> None:
    """Print counts, parameters and the class pixel-fraction table."""
    params = manifest['params']
    width, height = params['size']
    print(f'Dataset root: {out_dir}')
    print(f'  train: {params["num_train"]} images '
          f'({", ".join(params["cities"]["train"])})')
    print(f'  val:   {params["num_val"]} images '
          f'({", ".join(params["cities"]["val"])})')
    print(f'  size {width}x{height}, seed {params["seed"]}')
    if seconds is not None:
        print(f'  generated in {seconds:.1f} s ({per_image * 1000:.0f} ms '
              'per image)')
    print('Class pixel fractions (% of all pixels; void = label 255):')
    print(gen.format_class_table(manifest['class_fractions']))
    print("Use it with data_root='{}', data_prefix=dict(img_path="
          "'leftImg8bit/train', seg_map_path='gtFine/train')".format(out_dir))


def main(argv=None) -> int:
    args = parse_args(argv)
    out_dir = osp.abspath(args.out)
    try:
        for flag, value in (('--num-train', args.num_train),
                            ('--num-val', args.num_val)):
            if value < 1:
                split = flag[len('--num-'):]
                raise ValueError(
                    f'{flag} must be >= 1, got {value}: the {split} split '
                    'would be missing, and the street-scene configs train '
                    'on leftImg8bit/train and validate on leftImg8bit/val')
        params = gen.dataset_params(args.num_train, args.num_val,
                                    (args.width, args.height), args.seed)
        if args.workers < 1:
            raise ValueError(f'--workers must be >= 1, got {args.workers}')
        if osp.lexists(out_dir) and not osp.isdir(out_dir):
            raise ValueError(f'--out {out_dir} is a file, not a folder')
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2

    if not args.force and gen.is_complete(out_dir, params):
        print(f'{out_dir} already holds a complete street-scene dataset '
              'with these parameters; nothing to do (use --force to '
              'regenerate).')
        print_summary(out_dir, gen.read_manifest(out_dir))
        return 0

    present = [d for d in gen.GENERATED_DIRS
               if osp.lexists(osp.join(out_dir, d))]
    if present:
        if gen.read_manifest(out_dir) is None and not args.force:
            print(f'error: {out_dir} holds {" and ".join(present)} but no '
                  f'{gen.MANIFEST_NAME}, so it was not made by this tool '
                  '(it may be a real dataset). Refusing to touch it: pick '
                  'another --out, or pass --force to replace those folders.',
                  file=sys.stderr)
            return 1
        print(f'Removing the old {" and ".join(present)} in {out_dir}')
    remove_generated(out_dir)

    n = params['num_train'] + params['num_val']
    print(f'Generating {params["num_train"]} train + {params["num_val"]} '
          f'val images of {args.width}x{args.height} into {out_dir} '
          f'({args.workers} worker{"s" if args.workers > 1 else ""}) ...')
    summary = gen.generate_street_scenes(
        out_dir, params['num_train'], params['num_val'],
        (args.width, args.height), args.seed, workers=args.workers)
    print_summary(out_dir, gen.read_manifest(out_dir), summary['seconds'],
                  summary['seconds'] / n)
    return 0


if __name__ == '__main__':
    sys.exit(main())
