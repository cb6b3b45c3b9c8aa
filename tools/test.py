# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Test (and evaluate) a segmentor: mmseg's ``tools/test.py`` with
mmseg_efficient loaded.

Usage is exactly mmseg's::

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out DIR]
        [--show] [--show-dir DIR] [--tta] [--cfg-options k=v ...]
        [--launcher {none,pytorch,slurm,mpi}]

Checkpoints are loaded with ``weights_only=True`` (see
``mmseg_efficient.compat``) and must fit the model: a missing, unexpected or
reshaped key stops the run before anything is evaluated (listing the first
few), unless ``--allow-partial-checkpoint`` is given. The auxiliary head,
unused at test time, may be absent from the checkpoint.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import _bootstrap  # noqa: E402,F401
from mmengine.runner import Runner  # noqa: E402

from mmseg_efficient.utils import (CfgOptionsAction,  # noqa: E402
                                   build_segmentor,
                                   check_data_roots, load_checkpoint_strict,
                                   console_shows_progress_first,
                                   load_config, setup_cpu_threads,
                                   shutdown_distributed)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='MMSeg test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='if specified, the evaluation metric results will be dumped '
        'into the directory as json')
    parser.add_argument(
        '--out',
        type=str,
        help='the directory to save output prediction for offline evaluation')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        metavar='DIR',
        help='paint every test image into DIR/<image name>.png: ground '
        'truth and prediction side by side, titled, with a legend of the '
        'classes they show')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--tta', action='store_true', help='Test time augmentation')
    parser.add_argument(
        '--allow-partial-checkpoint',
        action='store_true',
        help='test even if the checkpoint does not fit the model (missing, '
        'unexpected or reshaped keys are then only warned about)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def trigger_visualization_hook(cfg, args):
    default_hooks = cfg.default_hooks
    if 'visualization' not in default_hooks:
        raise RuntimeError(
            'VisualizationHook must be included in default_hooks, e.g. '
            "visualization=dict(type='SegVisualizationHook')")
    visualization_hook = default_hooks['visualization']
    visualization_hook['draw'] = True
    # mmseg's hook draws one batch in 50 by default; a user who asks for
    # painted results wants every image.
    visualization_hook['interval'] = 1
    if args.show:
        visualization_hook['show'] = True
        visualization_hook['wait_time'] = args.wait_time
    if cfg.visualizer.get('type') in ('SegLocalVisualizer',
                                      'mmseg.SegLocalVisualizer'):
        # titled pairs with a legend, one file per image named after it
        cfg.visualizer['type'] = 'SegPairVisualizer'
        cfg.visualizer['paint_dir'] = args.show_dir
    elif args.show_dir:
        cfg.visualizer['save_dir'] = args.show_dir
    return cfg


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'Checkpoint not found: {args.checkpoint}')
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher

    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    # Refuse a checkpoint that does not fit before anything else is built
    # (mmengine's Runner loads non-strictly and would only warn).
    load_checkpoint_strict(
        build_segmentor(cfg, drop_auxiliary=False),
        args.checkpoint,
        allow_partial=args.allow_partial_checkpoint,
        ignore_prefixes=('auxiliary_head.', ))
    cfg.load_from = args.checkpoint
    # CPU: dataloader workers + intra-op threads <= cores (env_cfg.cpu_threads)
    setup_cpu_threads(cfg)
    console_shows_progress_first()  # environment / config: log file only

    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)

    if args.tta:
        if 'tta_pipeline' not in cfg or 'tta_model' not in cfg:
            raise KeyError(f'--tta needs tta_pipeline and tta_model in the '
                           f'config {args.config}')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model

    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True

    check_data_roots(cfg, args.config, ('test_dataloader', ))
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    shutdown_distributed()
    return metrics


if __name__ == '__main__':
    main()
