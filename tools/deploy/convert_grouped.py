# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Turn a gradual-grouping checkpoint into a true grouped-conv checkpoint.

Builds the model of CONFIG (which holds ``MaskedGroupConv2d`` layers), loads
CKPT, checks that every maskable conv has ``alpha == 0`` (refusing the
checkpoint otherwise, naming the modules and their alpha), replaces each by
``nn.Conv2d(groups=g)`` holding its diagonal blocks, and saves OUT.

The converted state dict has the parameter names of the *grouped-from-
scratch* model, so OUT loads into the deploy config: CONFIG with every
``dict(type='MaskedGroupConv2d')`` conv config replaced by ``None`` (plain
``nn.Conv2d`` with the model's ``groups``) and every
``dict(type='MaskablePointwiseConv2d')`` given ``deploy=True``. That config
is written next to OUT (``<OUT without .pth>_deploy.py``) unless
``--deploy-config`` names an existing one (e.g. the ESSNet-DG2 config the
gradual-grouping config derives from). The tool then checks that the deploy
model loaded with OUT (strictly) gives the masked model's logits on a random
input: max abs diff <= ``--atol`` (1e-4) and the same argmax (where the
top-2 logit margin exceeds ``--atol``).

CKPT must fit CONFIG's model exactly (``--allow-partial-checkpoint`` opts
out). OUT and the derived deploy config are written to temporary files and
renamed only once every check has passed: a failed conversion leaves no
output behind, and an existing OUT is replaced atomically.

Example:
    python tools/deploy/convert_grouped.py \
        configs/essnet/gradual_grouping/CONFIG.py work_dirs/.../iter_N.pth \
        work_dirs/.../essnet_dg2_grouped.pth
    python tools/test.py work_dirs/.../essnet_dg2_grouped_deploy.py \
        work_dirs/.../essnet_dg2_grouped.pth --tta
"""
import argparse
import copy
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402

# AlphaNotZeroError is re-exported: callers of main() catch it.
from mmseg_efficient.models.layers.maskable_conv import (  # noqa: E402,F401
    AlphaNotZeroError, check_alpha_zero, convert_to_grouped,
    deploy_conv_cfgs, get_masked_convs)
from mmseg_efficient.utils import (  # noqa: E402
    CfgOptionsAction, atomic_torch_save, build_segmentor, count_params,
    load_checkpoint_strict, load_config)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert the maskable convs of a gradual-grouping '
        'checkpoint into true grouped convs')
    parser.add_argument('config', help='the (gradual-grouping) config')
    parser.add_argument('checkpoint', help='checkpoint trained with it')
    parser.add_argument('out', help='where to save the converted checkpoint')
    parser.add_argument(
        '--deploy-config',
        help='config the converted checkpoint must load into (default: '
        'derived from CONFIG and written to <OUT stem>_deploy.py)')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[256, 512],
        metavar=('H', 'W'),
        help='random input size of the equivalence check (default 256 512)')
    parser.add_argument(
        '--atol',
        type=float,
        default=1e-4,
        help='max abs logit difference allowed (default 1e-4)')
    parser.add_argument(
        '--latency',
        type=int,
        default=0,
        metavar='N',
        help='also time N CPU forward passes (batch 1, at --shape) of the '
        'masked and of the converted model, interleaved (default: 0, off)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--allow-partial-checkpoint',
        action='store_true',
        help='convert even if CKPT does not fit CONFIG\'s model (missing or '
        'unexpected keys are then only warned about)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override some settings in the used config (key=value)')
    return parser.parse_args(argv)


def tensor_logits(model: torch.nn.Module, inputs: torch.Tensor):
    with torch.no_grad():
        out = model(inputs, mode='tensor')
    return out[0] if isinstance(out, (list, tuple)) else out


def compare(ref: torch.Tensor, other: torch.Tensor, atol: float,
            what: str) -> float:
    """Max abs logit difference; raises ``EquivalenceError`` (a
    RuntimeError) above ``atol`` or when the argmax differs."""
    from mmseg_efficient.deploy import check_equivalence
    stats = check_equivalence([ref.numpy()], [other.numpy()], ['logits'],
                              atol, what=what)['logits']
    print(f'{what}: max |logit diff| = {stats["max_abs_diff"]:.3g}, '
          f'same argmax: {stats["same_argmax"]} ({stats["ties"]} ties with '
          f'a top-2 margin <= {atol:g} not compared)')
    return stats['max_abs_diff']


def time_models(models: dict, shape, iters: int, warmup: int = 3) -> dict:
    """Median and min latency (ms) of tensor-mode forwards at batch 1;
    the models take turns so that load changes hit them alike."""
    from mmseg_efficient.deploy.bench import (latency_stats,
                                              time_interleaved)
    x = torch.rand(1, 3, *shape)

    def runner(model):
        def run():
            with torch.no_grad():
                model(x, mode='tensor')
        return run

    times = time_interleaved(
        {name: runner(model) for name, model in models.items()}, warmup,
        iters)
    return {name: latency_stats(t) for name, t in times.items()}


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    model = build_segmentor(cfg, drop_auxiliary=False)
    ckpt = load_checkpoint_strict(
        model, args.checkpoint, allow_partial=args.allow_partial_checkpoint)
    if not get_masked_convs(model):
        raise ValueError(
            f'The model of {args.config} has no MaskedGroupConv2d: nothing '
            'to convert (is it the gradual-grouping config?)')
    num = check_alpha_zero(model, args.checkpoint)
    params_before = count_params(model)

    torch.manual_seed(args.seed)
    inputs = torch.randn(1, 3, *args.shape)
    ref = tensor_logits(model, inputs)

    converted = convert_to_grouped(copy.deepcopy(model))
    params_after = count_params(converted)
    compare(ref, tensor_logits(converted, inputs), args.atol,
            'converted model')

    state_dict = {k: v for k, v in converted.state_dict().items()}
    meta = dict(ckpt.get('meta', {})) if isinstance(ckpt, dict) else {}
    meta.update(
        converted_from=osp.abspath(args.checkpoint),
        converted_by='tools/deploy/convert_grouped.py',
        grouped_convs=num)
    # Everything is written under temporary names and renamed at the end:
    # a failure below leaves neither OUT nor its deploy config behind.
    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    tmp_out = osp.join(out_dir, f'.{osp.basename(args.out)}.{os.getpid()}.tmp')
    tmp_files = [tmp_out]
    try:
        atomic_torch_save(dict(meta=meta, state_dict=state_dict), tmp_out)

        # The deploy config: given, or CONFIG with grouped convs.
        if args.deploy_config:
            deploy_cfg = load_config(args.deploy_config)
            deploy_path = args.deploy_config
        else:
            deploy_cfg = copy.deepcopy(cfg)
            deploy_cfg.model = Config(
                dict(model=deploy_conv_cfgs(cfg.model.to_dict()))).model
            deploy_path = osp.splitext(args.out)[0] + '_deploy.py'
            tmp_deploy = osp.join(
                out_dir, f'.{osp.basename(deploy_path)}.{os.getpid()}.tmp.py')
            tmp_files.append(tmp_deploy)
            deploy_cfg.dump(tmp_deploy)
        deploy_model = build_segmentor(deploy_cfg, drop_auxiliary=False)
        if get_masked_convs(deploy_model):
            raise RuntimeError(f'The deploy config {deploy_path} still builds '
                               'MaskedGroupConv2d layers')
        load_checkpoint_strict(deploy_model, tmp_out)
        compare(ref, tensor_logits(deploy_model, inputs), args.atol,
                f'deploy config {deploy_path}')
        if not args.deploy_config:
            os.replace(tmp_deploy, deploy_path)
        os.replace(tmp_out, args.out)
    finally:
        for path in tmp_files:
            if osp.exists(path):
                os.remove(path)

    if args.latency > 0:
        timing = time_models(
            dict(masked=model, converted=converted), args.shape, args.latency)
        for name, t in timing.items():
            print(f'CPU latency {name} ({torch.get_num_threads()} threads, '
                  f'1x3x{args.shape[0]}x{args.shape[1]}): median '
                  f'{t["median_ms"]:.1f} ms, min {t["min_ms"]:.1f} ms')

    print(f'maskable convs converted: {num}')
    print(f'params: {params_before:,} (masked, dense weights) -> '
          f'{params_after:,} (grouped), -{params_before - params_after:,}')
    print(f'saved {args.out}\ndeploy config: {deploy_path}\n'
          f'test it with: python tools/test.py {deploy_path} {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
