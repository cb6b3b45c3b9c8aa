# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Deploy a segmentor: fold, group, export to ONNX, check with onnxruntime.

Builds CONFIG (auxiliary heads dropped), loads CKPT (or keeps random
weights with ``random``), then turns it into its deploy form
(:func:`mmseg_efficient.deploy.prepare_for_deploy`):

* gradual-grouping convs (``MaskedGroupConv2d``, alpha = 0) become true
  grouped convs (``convert_to_grouped``, the implementation
  ``convert_grouped.py`` uses; with random weights alpha is set to 0 first),
* dropout / drop-path removed,
* modules' own ``switch_to_deploy()``; the 1x1 conv of mmseg's ``InterpConv``
  (ESSNet's 1x1-upsampling) runs before the upsampling,
* batch norms folded into the conv before them,

checks that the deploy model gives the original logits, exports its
tensor-mode forward (input ``input`` 1x3xHxW, output ``logits``) to ONNX
(opset >= 17, ``--dynamic`` H and W), and checks the ONNX model under
onnxruntime against the original PyTorch model on the same random input:
max abs logit difference <= ``--atol`` (1e-4) and the same argmax at every
pixel where the PyTorch model's two largest logits differ by more than
``--atol`` (pixels closer than that are ties, which a difference within the
tolerance may swap: they are counted, not compared), else the export fails
naming the worst output. With ``--dynamic`` the check is repeated at a
second input size.

``--seed`` (default 0) seeds the ``random`` weights and the check input, so
the same command writes the same file.

Outputs, written only when every check passed (a failed export leaves
nothing behind): ``DIR/<config stem>.onnx`` and ``DIR/<config stem>.json``
(what was done, params, the equivalence numbers).

``onnx`` and ``onnxruntime`` come with ``pip install -e ".[deploy]"``.

Example:
    python tools/deploy/export.py \
        configs/essnet/essnet-dg2_ups_1xb6-75k_cityscapes-512x1024.py \
        random --out work_dirs/deploy --shape 512 1024
"""
import argparse
import copy
import json
import os.path as osp
import shutil
import sys
import tempfile

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401
import torch  # noqa: E402
from mmengine.runner import set_random_seed  # noqa: E402

from mmseg_efficient.deploy import (check_equivalence, export_onnx,  # noqa
                                    ort_session, prepare_for_deploy,
                                    replace_atomically, require, run_session,
                                    torch_outputs)
from mmseg_efficient.utils import (CfgOptionsAction,  # noqa: E402
                                   build_segmentor, count_params,
                                   load_config)

RANDOM = ('random', 'none')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Fold BN, group convs, export to ONNX and check the '
        'export with onnxruntime')
    parser.add_argument('config', help='config file (or mmseg::path)')
    parser.add_argument(
        'checkpoint', help='checkpoint, or "random" for random weights')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--shape', type=int, nargs=2, default=[512, 1024],
        metavar=('H', 'W'), help='input size of the export and the check')
    parser.add_argument(
        '--dynamic', action='store_true',
        help='dynamic input height and width (checked at a second size)')
    parser.add_argument('--opset', type=int, default=17,
                        help='ONNX opset (>= 17, default 17)')
    parser.add_argument('--atol', type=float, default=1e-4,
                        help='max abs logit difference (default 1e-4)')
    parser.add_argument('--no-fold-bn', action='store_true',
                        help='keep the batch norms (onnxruntime folds '
                        'them itself)')
    parser.add_argument(
        '--seed', type=int, default=0,
        help='seed of the random weights and the check input (default 0)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=CfgOptionsAction,
        help='override some settings in the used config (key=value)')
    args = parser.parse_args(argv)
    if args.opset < 17:
        parser.error(f'--opset must be >= 17, got {args.opset}')
    if min(args.shape) < 1:
        parser.error(f'--shape must be positive, got {args.shape}')
    try:
        _check_out_dir(args.out)
    except NotADirectoryError as e:
        parser.error(str(e))
    return args


def _check_out_dir(out_dir):
    """Refuse an ``--out`` that is, or lies under, a file, by name."""
    path = osp.abspath(out_dir)
    while True:
        if osp.exists(path) and not osp.isdir(path):
            raise NotADirectoryError(
                f'--out {out_dir}: {path} is a file, not a folder; choose '
                'another output folder')
        parent = osp.dirname(path)
        if parent == path:
            return
        path = parent


def second_shape(shape):
    """A different size for the dynamic-shape check: 3/4 of each side,
    rounded to a multiple of 32 (every model's output stride divides it)."""
    return [max(32, (3 * s // 4) // 32 * 32) for s in shape]


def deploy_and_export(config, checkpoint, out_dir, shape=(512, 1024),
                      dynamic=False, opset=17, atol=1e-4, fold_bn=True,
                      seed=0, cfg_options=None, log=print):
    """The whole export; returns the record written to ``<stem>.json``.

    Raises:
        EquivalenceError: The deploy model or the ONNX model differs from
            the original one; nothing is written then.
    """
    require('onnxruntime')
    cfg = load_config(config, cfg_options)
    random_weights = checkpoint is None or checkpoint.lower() in RANDOM
    set_random_seed(seed)  # random weights and the check input
    model = build_segmentor(cfg, None if random_weights else checkpoint)
    stem = osp.splitext(osp.basename(config.split('::')[-1]))[0]
    x = torch.rand(1, 3, *shape)
    ref = torch_outputs(model, x)

    deployed = copy.deepcopy(model)
    steps = prepare_for_deploy(
        deployed, shape=shape, fold_bn=fold_bn, allow_alpha=random_weights)
    log(f'{stem}: grouped convs {steps["grouped"]}, dropouts removed '
        f'{len(steps["dropouts"])}, BN folded {len(steps["folded_bn"])}, '
        f'switched to deploy {len(steps["switched"])}, 1x1 conv before '
        f'upsampling {len(steps["interp_conv_first"])}')
    names = ['logits'] + [f'logits_{i}' for i in range(1, len(ref))]
    torch_check = check_equivalence(
        ref, torch_outputs(deployed, x), names, atol,
        what='deployed PyTorch model')

    tmp = tempfile.mkdtemp(prefix=f'.{stem}-', dir=_parent_dir(out_dir))
    try:
        onnx_path = osp.join(tmp, f'{stem}.onnx')
        names = export_onnx(deployed, onnx_path, shape, dynamic, opset)
        session = ort_session(onnx_path)
        ort_check = {
            'x'.join(map(str, shape)):
            check_equivalence(ref, run_session(session, x), names, atol,
                              what=f'onnxruntime ({stem}.onnx)')
        }
        if dynamic:
            shape2 = second_shape(shape)
            x2 = torch.rand(1, 3, *shape2)
            ort_check['x'.join(map(str, shape2))] = check_equivalence(
                torch_outputs(model, x2), run_session(session, x2), names,
                atol, what=f'onnxruntime ({stem}.onnx) at {shape2}')
        worst = max(s['max_abs_diff'] for c in ort_check.values()
                    for s in c.values())
        record = dict(
            config=config,
            checkpoint=None if random_weights else osp.abspath(checkpoint),
            onnx=osp.join(osp.abspath(out_dir), f'{stem}.onnx'),
            opset=opset, shape=list(shape), dynamic=dynamic,
            params=count_params(model), deploy_params=count_params(deployed),
            grouped_convs=steps['grouped'],
            folded_bn=steps['folded_bn'], dropouts=steps['dropouts'],
            switched_to_deploy=steps['switched'],
            interp_conv_first=steps['interp_conv_first'],
            torch_check=torch_check, onnxruntime_check=ort_check,
            atol=atol)
        with open(osp.join(tmp, f'{stem}.json'), 'w') as f:
            json.dump(record, f, indent=2)
        replace_atomically(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    compared = sum(s['pixels'] - s['ties'] for c in ort_check.values()
                   for s in c.values())
    ties = sum(s['ties'] for c in ort_check.values() for s in c.values())
    swapped = sum(s['tie_mismatches'] for c in ort_check.values()
                  for s in c.values())
    log(f'{stem}: onnxruntime matches PyTorch (max |diff| {worst:.3g} <= '
        f'{atol:g}, same argmax at {compared} pixels; {ties} ties with a '
        f'top-2 margin <= {atol:g} not compared, {swapped} of them '
        f'swapped) -> {record["onnx"]}')
    return record


def _parent_dir(out_dir):
    """The temporary folder goes next to DIR (same file system, so the
    final moves are atomic renames)."""
    _check_out_dir(out_dir)
    parent = osp.dirname(osp.abspath(out_dir))
    import os
    os.makedirs(parent, exist_ok=True)
    return parent


def main(argv=None):
    args = parse_args(argv)
    return deploy_and_export(
        args.config, args.checkpoint, args.out, args.shape, args.dynamic,
        args.opset, args.atol, not args.no_fold_bn, args.seed,
        args.cfg_options)


if __name__ == '__main__':
    main()
