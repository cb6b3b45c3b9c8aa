# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Train a segmentor: mmseg's ``tools/train.py`` with mmseg_efficient loaded.

Usage is mmseg's, plus ``--channels-last`` (adds ``ChannelsLastHook``)::

    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp]
        [--channels-last] [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]

Importing mmseg_efficient first makes the stack work on today's PyTorch
(weights-only resume, CPU/gloo distributed runs, mmcv-lite) and makes
checkpoint writes atomic. ``--resume`` continues from a complete checkpoint
inside the work dir: the one ``last_checkpoint`` names (looked up by name when
it points elsewhere, e.g. in a copied work dir) or else the newest complete
``iter_*.pth`` (a truncated one is skipped with a warning), and refuses one
that does not fit the config's model before training; a ``load_from``
written in the config (a pre-training stage's checkpoint) is where a first
run starts, never what ``--resume`` continues from; a run without
``--resume`` in a work dir that already holds checkpoints says so loudly.
Temporary files a killed save left behind are removed (with a warning).
"""
import argparse
import logging
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import _bootstrap  # noqa: E402,F401
from mmengine.logging import print_log  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mmseg.registry import RUNNERS  # noqa: E402
from mmseg_efficient.utils import (CfgOptionsAction,  # noqa: E402
                                   build_segmentor, check_data_roots,
                                   check_resume_checkpoint_fits,
                                   check_start_checkpoints,
                                   console_shows_progress_first,
                                   find_resume_checkpoint, fit_log_interval,
                                   load_config, remove_stale_temporaries,
                                   setup_cpu_threads, shutdown_distributed,
                                   warn_existing_checkpoints)


def _amp_device_available():
    from mmengine.device import (is_cuda_available, is_mlu_available,
                                 is_musa_available, is_npu_available)
    return (is_cuda_available() or is_npu_available() or is_mlu_available()
            or is_musa_available())


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        action='store_true',
        default=False,
        help='resume from the latest checkpoint in the work_dir automatically')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='train in the channels-last memory format (ChannelsLastHook; '
        'faster grouped and depthwise convs on the CPU)')
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
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if args.amp and not _amp_device_available():
        parser.error('--amp needs a GPU (mmengine\'s AmpOptimWrapper runs on '
                     'CUDA, NPU, MLU or MUSA devices only); train without '
                     '--amp on a CPU')
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def checkpoint_dir(cfg):
    """Where ``CheckpointHook`` saves: the work dir, or
    ``out_dir/<work dir name>`` when the hook has a local ``out_dir``."""
    hook = (cfg.get('default_hooks') or {}).get('checkpoint') or {}
    out_dir = hook.get('out_dir')
    if not out_dir or '://' in str(out_dir):
        return cfg.work_dir
    return osp.join(out_dir, osp.basename(cfg.work_dir.rstrip(osp.sep)))


def add_channels_last_hook(cfg):
    """Append ``ChannelsLastHook`` to ``cfg.custom_hooks`` unless the
    config has it already."""
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(h.get('type') == 'ChannelsLastHook' for h in hooks):
        hooks.append(dict(type='ChannelsLastHook'))
    cfg.custom_hooks = hooks


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher

    # work_dir priority: CLI > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        if cfg.optim_wrapper.type == 'AmpOptimWrapper':
            print_log(
                'AMP training is already enabled in your config.',
                logger='current',
                level=logging.WARNING)
        elif cfg.optim_wrapper.type != 'OptimWrapper':
            raise ValueError('--amp is only supported with optim_wrapper '
                             f'type OptimWrapper, got '
                             f'{cfg.optim_wrapper.type!r}')
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'

    if args.channels_last:
        add_channels_last_hook(cfg)

    cfg.resume = args.resume
    check_data_roots(cfg, args.config, ('train_dataloader', 'val_dataloader'))
    # A load_from written in the config names the weights a run starts from
    # (a pre-training stage's checkpoint, e.g. the *_coarse-pre_* configs),
    # not a checkpoint of this run: mmengine would --resume from it (its
    # iteration, optimizer and schedule). Only load_from given with
    # --cfg-options keeps mmengine's meaning, resume from that file.
    initial_weights = 'load_from' not in (args.cfg_options or {})
    ckpt_dir = checkpoint_dir(cfg)
    if int(os.environ.get('RANK', '0')) == 0:  # before this run saves
        remove_stale_temporaries(ckpt_dir)
    if args.resume and (cfg.get('load_from') is None or initial_weights):
        # mmengine trusts work_dir/last_checkpoint alone: it silently starts
        # from iteration 1 when the file is missing, fails when it is empty
        # or dangling and follows it out of a copied work dir
        resume_from = find_resume_checkpoint(cfg.work_dir, ckpt_dir=ckpt_dir)
        if resume_from is None:  # nothing to resume: a first run, which
            cfg.resume = False  # starts from the config's load_from if any
        else:
            cfg.load_from = resume_from
    elif not args.resume:
        warn_existing_checkpoints(ckpt_dir)
    if cfg.resume and cfg.get('load_from') and osp.isfile(cfg.load_from):
        # mmengine would load what fits, warn, and crash in the optimizer
        check_resume_checkpoint_fits(
            build_segmentor(cfg, drop_auxiliary=False), cfg.load_from,
            cfg.work_dir, args.config)
    # the weights the run starts from (another stage's checkpoint, a URL),
    # before the Runner starts any process group: a missing file or an
    # unreachable URL names the key to override; <work_dir>/last_checkpoint
    # becomes that run's latest checkpoint
    check_start_checkpoints(cfg)
    # CPU: dataloader workers + intra-op threads <= cores (env_cfg.cpu_threads)
    setup_cpu_threads(cfg)
    # progress on the first screen: a short run still logs, and mmengine's
    # environment / config / hook-order dumps go to the log file only
    fit_log_interval(cfg)
    console_shows_progress_first()

    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    runner.train()
    shutdown_distributed()


if __name__ == '__main__':
    main()
