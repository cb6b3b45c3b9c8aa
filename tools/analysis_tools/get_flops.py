# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Params and GFLOPs of a segmentor.

GFLOPs are multiply-accumulates (fvcore convention, as mmseg's own
get_flops.py). The default ``--counting true`` counts the network as built:
every parameter, and every operator mmengine's FlopAnalyzer counts
(convolutions, batch norm, bilinear interpolation), plus the
convolution-only share. The auxiliary head is excluded, and the input is a
random image of ``--shape H W``. Unlike mmseg 1.2.2's script this one runs
(it does not pass both ``input_shape`` and ``inputs``), accepts ``mmseg::``
config paths and any decode head.

A gradual-grouping config (maskable 1x1 convs) is counted as the network
it deploys to, in both countings: its maskable convs at alpha 0 as grouped
convs (``convert_to_grouped``, what ``tools/deploy/convert_grouped.py``
does to a trained checkpoint).

``--counting thesis`` is the ESSNet thesis' own counting (weights only,
MACs, Downsamplers as plain 3x3 stride-2 convs, 3x3 upsampling deconvs at
their output resolution, one block per decoder stage, 20 classes), which
reproduces its published (params, GFLOPs) pairs; see
``mmseg_efficient.utils.thesis_complexity``. It is not a true count, and
it refuses a config outside the thesis' family (ERFNet, ESSNetA/B, ESSNet,
WSPD-Net).

Example:
    python tools/analysis_tools/get_flops.py \
        mmseg::erfnet/erfnet_fcn_4xb4-160k_cityscapes-512x1024.py \
        --shape 512 1024
    python tools/analysis_tools/get_flops.py \
        configs/essnet/erfnet_deconv_1xb6-75k_cityscapes-512x1024.py \
        --shape 512 1024 --counting thesis   # 2,038,448 / 27.705
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401

from mmseg_efficient.utils import (CfgOptionsAction,  # noqa: E402
                                   config_complexity, load_config)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Params and GFLOPs (multiply-accumulates) of a segmentor')
    parser.add_argument('config', help='config file (or mmseg::path)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        default=[2048, 1024],
        help='input size H W (or one number for a square input); '
        'default 2048 1024 as mmseg')
    parser.add_argument(
        '--counting',
        choices=['true', 'thesis'],
        default='true',
        help='true: the network as built (default); thesis: the ESSNet '
        "thesis' counting, which reproduces its tables")
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override some settings in the used config (key=value)')
    args = parser.parse_args(argv)
    if len(args.shape) == 1:
        args.shape = [args.shape[0]] * 2
    elif len(args.shape) != 2:
        parser.error(f'--shape takes H W or one size, got {args.shape}')
    if min(args.shape) < 1:
        parser.error(f'--shape must be positive, got {args.shape}')
    return args


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    line = '=' * 30
    try:
        result = config_complexity(cfg, args.shape, args.counting)
    except ValueError as err:  # --counting thesis outside its family
        raise SystemExit(f'get_flops.py: {err}') from err
    grouped = ''
    if result['grouped_convs']:
        grouped = (f'Gradual grouping: counted as deployed, its '
                   f'{result["grouped_convs"]} maskable convs as grouped '
                   'convs (alpha 0)\n')
    if args.counting == 'thesis':
        print(f'{line}\nCounting: the ESSNet thesis\' (weights only, MACs, '
              f'Downsamplers as 3x3 s2 convs, 3x3 deconvs at output '
              f'resolution, one block per decoder stage, 20 classes)\n'
              f'{grouped}Input shape: {tuple(args.shape)}\n'
              f'Flops: {result["gmacs"]:.3f}G (multiply-accumulates)\n'
              f'Params: {result["params"]:,} (weights)\n{line}')
        return result
    breakdown = ', '.join(f'{k} {v:.3f}G'
                          for k, v in sorted(result['by_operator'].items()))
    print(f'{line}\nCompute type: direct: randomly generated input\n'
          f'{grouped}'
          f'Input shape: {tuple(args.shape)}\n'
          f'Output shape: {result["output_shape"]}\n'
          f'Flops: {result["gmacs"]:.3f}G (multiply-accumulates)\n'
          f'Flops (convolutions only): {result["conv_gmacs"]:.3f}G\n'
          f'By operator: {breakdown}\n'
          f'Params: {result["params"] / 1e6:.3f}M ({result["params"]:,})\n'
          f'{line}')
    print('Auxiliary heads are excluded. Pooling, activations and '
          'element-wise adds are not counted (fvcore convention).')
    return result


if __name__ == '__main__':
    main()
