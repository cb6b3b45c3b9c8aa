# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Gradual grouping and the lr window hook under mmengine's Runner and
the real tools (tiny MobileNetV2 on the street scenes)."""
import json
import os
import os.path as osp
import socket
import subprocess
import sys
import textwrap
import types

import pytest
import torch

import mmseg_efficient  # noqa: F401  (registration)

from conftest import REPO, load_tool, write_cfg  # noqa: E402
DEMO_CFG = osp.join(REPO, 'configs', 'essnet', 'gradual_grouping',
                    'mobilenet-v2-d8-gg2_fcn_1xb4-1k_streetscenes-256x512.py')


pytestmark = pytest.mark.slow  # Runner and subprocess runs


# ---------------------------------------------------------------------------
# 4. Under mmengine's Runner (tiny MobileNetV2 on the street scenes)
# ---------------------------------------------------------------------------


def _tiny_cfg_text(data_root,
                   work_dir,
                   max_iters=4,
                   gg=None,
                   extra='',
                   val=False):
    """A tiny phase-1 style config: MobileNetV2 (x0.25, 1/8 output) with
    maskable 1x1 convs and the label-downsampling 1x1 head, 32x64 crops."""
    gg = gg or dict(type='GradualGroupingHook', begin=0, end=2)
    no_val = '' if val else (
        'val_dataloader = None\nval_evaluator = None\nval_cfg = None\n')
    return textwrap.dedent(f'''
        _base_ = [{DEMO_CFG!r}]
        custom_imports = dict(
            imports=['mmseg_efficient', 'gg_test_helpers'],
            allow_failed_imports=False)
        work_dir = {work_dir!r}
        data_root = {data_root!r}
        crop_size = (32, 64)
        model = dict(
            data_preprocessor=dict(size=crop_size),
            backbone=dict(widen_factor=0.25, dilations=(1,) * 7,
                          out_indices=(4, 6)),
            decode_head=dict(
                _delete_=True, type='LabelDownsampleHead', in_channels=80,
                in_index=1, num_classes=19,
                loss_decode=dict(type='CrossEntropyLoss',
                                 class_weight=[1.0] * 19)))
        train_pipeline = [
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='CheckSegLabel', num_classes=19),
            dict(type='RandomCrop', crop_size=crop_size),
            dict(type='PackSegInputs')
        ]
        test_pipeline = [
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=(64, 32), keep_ratio=True),
            dict(type='LoadAnnotations'),
            dict(type='CheckSegLabel', num_classes=19),
            dict(type='PackSegInputs')
        ]
        train_dataloader = dict(
            batch_size=2, num_workers=0, persistent_workers=False,
            dataset=dict(data_root=data_root, pipeline=train_pipeline))
        val_dataloader = dict(
            num_workers=0, persistent_workers=False,
            dataset=dict(data_root=data_root, pipeline=test_pipeline))
        test_dataloader = val_dataloader
        param_scheduler = []
        train_cfg = dict(max_iters={max_iters}, val_interval=1000)
        custom_hooks = [{gg!r}, dict(type='AlphaRecorderHook')]
        default_hooks = dict(
            logger=dict(interval=1),
            checkpoint=dict(interval=2, max_keep_ckpts=-1),
            visualization=dict(type='SegVisualizationHook', draw=False))
        log_level = 'WARNING'
        ''') + no_val + textwrap.dedent(extra)


@pytest.fixture(scope='module')
def helpers_dir():
    """The folder of ``tests/helpers/gg_test_helpers.py`` (recorder hook,
    constant metric), importable in-process and by the tools/train.py
    subprocesses."""
    path = osp.join(REPO, 'tests', 'helpers')
    sys.path.insert(0, path)
    yield path
    sys.path.remove(path)


def _run(cfg_path, **overrides):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(cfg_path)
    cfg.merge_from_dict(overrides)
    cfg.experiment_name = osp.basename(cfg.work_dir)
    cfg.visualizer.name = 'vis_' + osp.basename(cfg.work_dir)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def _records(work_dir, rank=0):
    path = osp.join(work_dir, f'record_rank{rank}.jsonl')
    with open(path) as f:
        return [json.loads(line) for line in f]


def _ckpt_alphas(path):
    sd = torch.load(path, map_location='cpu', weights_only=False)
    return [
        float(v) for k, v in sd['state_dict'].items() if k.endswith('.alpha')
    ]


GG_LINEAR_4 = dict(type='GradualGroupingHook', begin=0, end=4)


@pytest.fixture(scope='module')
def gg_run(street_data, helpers_dir, tmp_path_factory):
    """One uninterrupted 6-iteration run, alpha linear 1 -> 0 over 0..4,
    checkpoints every 2 iterations."""
    tmp = tmp_path_factory.mktemp('gg_run')
    work = str(tmp / 'full')
    cfg = write_cfg(tmp, 'full.py',
                     _tiny_cfg_text(street_data, work, 6, GG_LINEAR_4))
    runner = _run(cfg)
    return types.SimpleNamespace(
        cfg=cfg,
        work=work,
        records=_records(work),
        history=runner.message_hub.get_scalar('train/alpha'))


def test_hook_in_runner_sets_and_logs_alpha(gg_run):
    recs = gg_run.records
    # alpha seen by each forward pass, for all 33 maskable convs
    assert [r['iter'] for r in recs] == list(range(6))
    assert [set(r['alphas']) for r in recs] == [{1.0}, {0.75}, {0.5}, {0.25},
                                                {0.0}, {0.0}]
    assert len(recs[0]['alphas']) == 33
    # logged to the message hub and, through LoggerHook, the visualizer
    assert list(gg_run.history.data[0]) == [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    scalars = [
        json.loads(line) for root, _, names in os.walk(gg_run.work)
        for n in names if n == 'scalars.json'
        for line in open(osp.join(root, n))
    ]
    assert [s['alpha'] for s in scalars] == [1.0, 0.75, 0.5, 0.25, 0, 0]
    # the checkpoint holds the alpha of its last iteration
    assert set(_ckpt_alphas(osp.join(gg_run.work, 'iter_2.pth'))) == {0.75}
    assert set(_ckpt_alphas(osp.join(gg_run.work, 'iter_6.pth'))) == {0.0}


def test_convert_grouped_tool(gg_run, tmp_path):
    tool = load_tool('tools/deploy/convert_grouped.py')
    out = str(tmp_path / 'deploy' / 'grouped.pth')
    tool.main([
        gg_run.cfg,
        osp.join(gg_run.work, 'iter_6.pth'), out, '--shape', '64', '128'
    ])
    deploy_cfg = out[:-4] + '_deploy.py'
    assert osp.isfile(out) and osp.isfile(deploy_cfg)
    sd = torch.load(out, map_location='cpu', weights_only=False)['state_dict']
    assert not any(k.endswith('.alpha') for k in sd)
    pw = sd['backbone.layer2.0.conv.0.conv.weight']  # 8 -> 48, 2 groups
    assert pw.shape == (48, 4, 1, 1)
    from mmengine.config import Config
    conv_cfg = Config.fromfile(deploy_cfg).model.backbone.conv_cfg
    assert conv_cfg.deploy is True
    # refusal of a checkpoint whose alpha is not 0, naming module and alpha
    with pytest.raises(tool.AlphaNotZeroError) as err:
        tool.main([
            gg_run.cfg,
            osp.join(gg_run.work, 'iter_2.pth'),
            str(tmp_path / 'x.pth')
        ])
    msg = str(err.value)
    assert 'backbone.layer1.0.conv.1.conv: alpha=0.75' in msg
    assert '33 of 33' in msg and not osp.exists(tmp_path / 'x.pth')


def test_hook_in_epoch_based_loop_and_end_warning(street_data, tmp_path,
                                                  helpers_dir):
    """by_epoch=True in an EpochBasedTrainLoop; the schedule ends after
    training, so alpha > 0 at the end is warned about (start and end)."""
    work = str(tmp_path / 'run')
    extra = '''
        train_dataloader['batch_size'] = 4
        train_dataloader['sampler'] = dict(
            type='DefaultSampler', shuffle=True)
        train_cfg = dict(
            _delete_=True, type='EpochBasedTrainLoop', max_epochs=2,
            val_interval=100)
        default_hooks['checkpoint'] = dict(by_epoch=True, interval=10)
        log_processor = dict(by_epoch=True)
        log_level = 'INFO'
        '''
    gg = dict(type='GradualGroupingHook', begin=0, end=3, by_epoch=True)
    cfg = write_cfg(tmp_path, 'gg.py',
                     _tiny_cfg_text(street_data, work, gg=gg, extra=extra))
    _run(cfg)
    # 8 images / batch 4 = 2 iterations per epoch; alpha 1, 2/3 per epoch
    assert [r['alphas'][0]
            for r in _records(work)] == pytest.approx([1.0, 1.0, 2 / 3, 2 / 3])
    log = open([
        osp.join(r, n) for r, _, ns in os.walk(work) for n in ns
        if n.endswith('.log')
    ][0]).read()
    assert ('end=3 is not before the end of training (2 epochs): the last '
            'epoch trains with alpha=0.666667 > 0') in log
    assert 'training ended with alpha=0.666667 > 0 in 33 maskable' in log

    # by_epoch=True in an iteration-based loop is refused
    cfg2 = write_cfg(
        tmp_path, 'gg2.py',
        _tiny_cfg_text(
            street_data,
            str(tmp_path / 'run2'),
            gg=dict(type='GradualGroupingHook', end=2, by_epoch=True)))
    with pytest.raises(ValueError, match='needs an epoch-based train loop'):
        _run(cfg2)


def _tool_env(extra_path):
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1')
    env['PYTHONPATH'] = os.pathsep.join([extra_path, REPO] + (
        [env['PYTHONPATH']] if env.get('PYTHONPATH') else []))
    return env


def test_resume_after_kill_restores_alpha(street_data, tmp_path, helpers_dir,
                                          gg_run):
    """tools/train.py killed (SIGKILL) before iteration 3, then resumed with
    --resume from its iteration-2 checkpoint: every iteration has the alpha
    of the uninterrupted run."""
    expected = {r['iter']: r['alphas'] for r in gg_run.records}
    work = str(tmp_path / 'killed')
    text = _tiny_cfg_text(street_data, work, 6, GG_LINEAR_4)
    killed = write_cfg(
        tmp_path, 'killed.py',
        text.replace("dict(type='AlphaRecorderHook')",
                     "dict(type='AlphaRecorderHook', kill_at=3)"))
    env = _tool_env(helpers_dir)
    train = [sys.executable, osp.join(REPO, 'tools', 'train.py')]
    first = subprocess.run(
        train + [killed],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300)
    assert first.returncode == -9, first.stderr[-3000:]
    assert osp.isfile(osp.join(work, 'iter_2.pth'))
    assert not osp.isfile(osp.join(work, 'iter_4.pth'))
    # the checkpoint holds alpha(1) = 0.75; the run resumes at iteration 2
    assert set(_ckpt_alphas(osp.join(work, 'iter_2.pth'))) == {0.75}
    resume = write_cfg(tmp_path, 'resume.py', text)
    second = subprocess.run(
        train + [resume, '--resume'],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300)
    assert second.returncode == 0, second.stderr[-3000:]
    recs = _records(work)
    assert [r['iter'] for r in recs] == [0, 1, 2, 2, 3, 4, 5]
    for r in recs:
        assert r['alphas'] == expected[r['iter']], r['iter']
    assert set(_ckpt_alphas(osp.join(work, 'iter_6.pth'))) == {0.0}


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.skipif(
    not osp.isfile(osp.join(REPO, 'tools', 'dist_train.sh')),
    reason='tools/dist_train.sh missing')
def test_ddp_two_processes_same_alpha(street_data, tmp_path, helpers_dir):
    """tools/dist_train.sh with 2 CPU (gloo) processes: both ranks use the
    same alpha at every iteration."""
    work = str(tmp_path / 'ddp')
    gg = dict(type='GradualGroupingHook', begin=1, end=3, shape='cosine')
    cfg = write_cfg(tmp_path, 'ddp.py',
                     _tiny_cfg_text(street_data, work, 4, gg))
    env = _tool_env(helpers_dir)
    env.update(PYTHON=sys.executable, PORT=str(_free_port()))
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'dist_train.sh'), cfg, '2'],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300)
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-4000:])
    rank0, rank1 = _records(work, 0), _records(work, 1)
    assert [r['iter'] for r in rank0] == [0, 1, 2, 3]
    assert [r['alphas'] for r in rank0] == [r['alphas'] for r in rank1]
    assert [r['alphas'][0]
            for r in rank0] == pytest.approx([1.0, 1.0, 0.5, 0.0])


# ---------------------------------------------------------------------------
# 5. Phase-2 encoder lr freeze (+ ReduceOnPlateau on val mIoU)
# ---------------------------------------------------------------------------
def test_lr_window_hook_with_reduce_on_plateau(street_data, tmp_path,
                                               helpers_dir):
    """Encoder lr x 1e-16 for 5 iterations under ReduceOnPlateau on a val
    mIoU that never improves (validation every 2 iterations)."""
    work = str(tmp_path / 'freeze')
    extra = '''
        model['backbone']['conv_cfg'] = dict(alpha=0.0)
        optim_wrapper = dict(
            optimizer=dict(type='Adam', lr=1e-3, weight_decay=2e-4),
            paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0)}))
        param_scheduler = [
            dict(type='ReduceOnPlateauLR', monitor='mIoU', rule='greater',
                 factor=0.5, patience=0, by_epoch=True)
        ]
        train_cfg = dict(max_iters=6, val_interval=2)
        val_evaluator = dict(_delete_=True, type='ConstantMIoU')
        custom_hooks = [
            dict(type='LrMultiplierWindowHook', end=5, prefix='backbone',
                 lr_mult=1e-16),
            dict(type='AlphaRecorderHook')
        ]
        default_hooks['checkpoint'] = dict(interval=100)
        '''
    cfg = write_cfg(tmp_path, 'freeze.py',
                     _tiny_cfg_text(street_data, work, extra=extra, val=True))
    runner = _run(cfg)
    model = runner.model
    names = {id(p): n for n, p in model.named_parameters()}
    groups = runner.optim_wrapper.optimizer.param_groups
    is_bb = [names[id(g['params'][0])].startswith('backbone.') for g in groups]
    assert any(is_bb) and not all(is_bb)
    # lr seen by each optimizer step; val (constant mIoU) after iters 1, 3,
    # 5 -> ReduceOnPlateau halves every group after the 2nd and 3rd
    head = {0: 1e-3, 1: 1e-3, 2: 1e-3, 3: 1e-3, 4: 5e-4, 5: 5e-4}
    backbone = {0: 1e-19, 1: 1e-19, 2: 1e-19, 3: 1e-19, 4: 5e-20, 5: 5e-4}
    for r in _records(work):
        lrs = r['lrs'][:len(groups)]
        i = r['iter']
        for lr, bb in zip(lrs, is_bb):
            assert lr == pytest.approx(
                backbone[i] if bb else head[i], rel=1e-9), (i, bb)
        assert r['lrs'][-1] == pytest.approx(head[i])  # base_lr group
    # after training: real lrs restored, all halved by the last plateau
    assert [g['lr'] for g in groups] == pytest.approx([2.5e-4] * len(groups))
    hist = runner.message_hub.get_scalar('train/lr').data[0]
    assert list(hist[:5]) == pytest.approx([1e-19] * 4 + [5e-20])
