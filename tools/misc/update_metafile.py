# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Refresh the measured fields of a metafile from its configs.

For every model of METAFILE, builds its ``Config`` and rewrites
``Metadata.Parameters`` (all parameters, auxiliary heads excluded) and, with
``--flops``, ``Metadata.FLOPs (G)`` (GMACs at ``--shape``, as
tools/analysis_tools/get_flops.py). Every other field (the paper's claims
included) is kept; the leading comment lines of the file are kept.

    python tools/misc/update_metafile.py configs/essnet/metafile.yaml \
        [--flops] [--shape 512 1024] [--only NAME_SUBSTRING ...]
"""
import argparse
import os.path as osp
import sys

import yaml

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

from mmseg_efficient.utils import (build_segmentor, count_params,  # noqa
                                   load_config, model_complexity)


class _NoAliasDumper(yaml.SafeDumper):
    """Writes repeated entries (e.g. the same ``Paper``) in full."""

    def ignore_aliases(self, data):
        return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('metafile')
    parser.add_argument('--flops', action='store_true',
                        help='also recompute FLOPs (G) (slow)')
    parser.add_argument('--shape', type=int, nargs=2, default=[512, 1024])
    parser.add_argument('--only', nargs='+', default=None,
                        help='refresh only models whose name contains one '
                        'of these strings')
    args = parser.parse_args(argv)
    with open(args.metafile) as f:
        text = f.read()
    header = ''.join(line + '\n' for line in text.splitlines()
                     if line.startswith('#'))
    meta = yaml.safe_load(text)
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    for model in meta['Models']:
        if args.only and not any(s in model['Name'] for s in args.only):
            continue
        cfg = load_config(osp.join(repo, model['Config']))
        segmentor = build_segmentor(cfg)
        md = model.setdefault('Metadata', {})
        md['Parameters'] = count_params(segmentor)
        if args.flops:
            gmacs = model_complexity(segmentor, args.shape)['gmacs']
            md['FLOPs (G)'] = round(gmacs, 3)
        print(f"{model['Name']}: {md['Parameters']:,} params"
              + (f", {md['FLOPs (G)']} GMACs" if args.flops else ''))
    with open(args.metafile, 'w') as f:
        f.write(header)
        yaml.dump(meta, f, Dumper=_NoAliasDumper, sort_keys=False,
                  allow_unicode=True, width=79)


if __name__ == '__main__':
    main()
