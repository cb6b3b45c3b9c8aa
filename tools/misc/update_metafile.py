# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Refresh the measured fields of a metafile from its configs.

For every model of METAFILE, builds its ``Config`` and rewrites
``Metadata.Parameters`` (all parameters, auxiliary heads excluded) and, with
``--flops``, ``Metadata.FLOPs (G)`` (GMACs at ``--shape``), both counted as
tools/analysis_tools/get_flops.py counts them
(``mmseg_efficient.utils.config_complexity``: a gradual-grouping config as
the grouped network it deploys to). Every other field (the paper's claims
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

from mmseg_efficient.utils import config_complexity, load_config  # noqa


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
        counts = config_complexity(cfg, args.shape, flops=args.flops)
        md = model.setdefault('Metadata', {})
        md['Parameters'] = counts['params']
        if args.flops:
            md['FLOPs (G)'] = round(counts['gmacs'], 3)
        print(f"{model['Name']}: {md['Parameters']:,} params"
              + (f", {md['FLOPs (G)']} GMACs" if args.flops else ''))
    with open(args.metafile, 'w') as f:
        f.write(header)
        yaml.dump(meta, f, Dumper=_NoAliasDumper, sort_keys=False,
                  allow_unicode=True, width=79)


if __name__ == '__main__':
    main()
