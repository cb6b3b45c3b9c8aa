# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Issue 8 through the tools: test.py refuses a checkpoint that does not fit
(item 1), convert_grouped.py leaves nothing behind on failure (item 7),
train.py --resume falls back to the newest complete checkpoint (item 5) and
the dist scripts find the project's environment (item 9)."""
import hashlib
import importlib.util
import os
import os.path as osp
import re
import shutil
import stat
import subprocess

import pytest
import torch
from conftest import REPO, TINY_CFG, data_root_opts, run_tool

import mmseg_efficient  # noqa: F401
from mmseg_efficient.utils import (CheckpointMismatchError, build_segmentor,
                                   load_config)

ESSNET_D = osp.join(REPO, 'configs', 'demo',
                    'essnet-d_ups_1xb4-600i_streetscenes-128x256.py')
GG_CFG = osp.join(REPO, 'configs', 'essnet', 'gradual_grouping',
                  'essnet-dg2_gg-p2_ups_1xb4-300i_streetscenes-128x256.py')


def _tool(rel_path):
    name = 'reliability_' + re.sub(r'\W', '_', rel_path)
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(REPO, rel_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _digest(folder):
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            with open(osp.join(root, name), 'rb') as f:
                out[osp.relpath(osp.join(root, name), folder)] = \
                    hashlib.sha1(f.read()).hexdigest()
    return out


def test_test_tool_refuses_checkpoint_of_another_model(tmp_path):
    """An ESSNet checkpoint on the ERFNet config, or a backbone-only state
    dict, stops tools/test.py before anything is built or evaluated."""
    test_tool = _tool('tools/test.py')
    essnet = str(tmp_path / 'essnet_d.pth')
    torch.save(
        dict(meta={}, state_dict=build_segmentor(
            load_config(ESSNET_D), drop_auxiliary=False).state_dict()),
        essnet)
    erfnet = build_segmentor(load_config(TINY_CFG), drop_auxiliary=False)
    backbone_only = str(tmp_path / 'backbone_only.pth')
    torch.save({k: v for k, v in erfnet.state_dict().items()
                if k.startswith('backbone.')}, backbone_only)
    n_head = len([k for k in erfnet.state_dict()
                  if k.startswith('decode_head.')])
    work_dir = str(tmp_path / 'work')
    before = _digest(tmp_path)
    for ckpt, expected in [(essnet, r'\d+ of its \d+ keys are not in the '
                            r'model \(backbone\.'),
                           (backbone_only, f'{n_head} of the model\'s '
                            r'\d+ keys are missing from it \(decode_head\.')]:
        with pytest.raises(CheckpointMismatchError, match=expected) as info:
            test_tool.main([TINY_CFG, ckpt, '--work-dir', work_dir])
        assert ckpt in str(info.value)
        assert '--allow-partial-checkpoint' in str(info.value)
    assert not osp.exists(work_dir)
    assert _digest(tmp_path) == before


def test_convert_grouped_leaves_no_output_on_failure(tmp_path):
    from mmseg_efficient.models.layers.maskable_conv import set_alpha
    tool = _tool('tools/deploy/convert_grouped.py')
    model = build_segmentor(load_config(GG_CFG), drop_auxiliary=False)
    set_alpha(model, 0.0)
    ckpt = str(tmp_path / 'gg_alpha0.pth')
    torch.save(dict(meta={}, state_dict=model.state_dict()), ckpt)
    out_dir = tmp_path / 'deploy'
    out_dir.mkdir()
    out = str(out_dir / 'grouped.pth')
    with open(out, 'wb') as f:
        f.write(b'an earlier conversion')
    before = _digest(out_dir)
    # fails after the converted weights exist: the "deploy config" given is
    # the masked config itself
    with pytest.raises(RuntimeError, match='still builds MaskedGroupConv2d'):
        tool.main([GG_CFG, ckpt, out, '--shape', '32', '64',
                   '--deploy-config', GG_CFG])
    assert _digest(out_dir) == before  # old OUT intact, no temp files
    # a checkpoint that does not fit is refused by the shared strict loader
    partial = str(tmp_path / 'partial.pth')
    sd = model.state_dict()
    torch.save({k: v for k, v in sd.items()
                if not k.startswith('decode_head.')}, partial)
    with pytest.raises(CheckpointMismatchError, match='decode_head'):
        tool.main([GG_CFG, partial, str(out_dir / 'x.pth')])
    assert _digest(out_dir) == before


def _fake_repo(tmp_path, with_venv):
    """A copy of the dist scripts in a repo whose python is a stub that
    records how it was called."""
    repo = tmp_path / 'repo'
    (repo / 'tools').mkdir(parents=True)
    for name in ('dist_train.sh', 'dist_test.sh', '_python.sh'):
        shutil.copy(osp.join(REPO, 'tools', name), repo / 'tools' / name)
    record = tmp_path / 'called.txt'
    stub = f'#!/bin/sh\necho "$0 $*" >> {record}\n'
    bin_dir = repo / '.venv' / 'bin' if with_venv else tmp_path / 'bin'
    bin_dir.mkdir(parents=True)
    for name in ('python', 'python3'):
        (bin_dir / name).write_text(stub)
        (bin_dir / name).chmod(stat.S_IRWXU)
    return repo, record, bin_dir


@pytest.mark.parametrize('with_venv', [True, False])
def test_dist_scripts_use_the_project_venv(tmp_path, with_venv):
    repo, record, bin_dir = _fake_repo(tmp_path, with_venv)
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTHON', 'VIRTUAL_ENV')}
    # no python with torch on PATH: the venv is not activated
    env['PATH'] = ('/usr/bin:/bin' if with_venv else
                   f'{bin_dir}:/usr/bin:/bin')
    for script, args in [('dist_train.sh', ['cfg.py', '2', '--work-dir',
                                            'w']),
                         ('dist_test.sh', ['cfg.py', 'c.pth', '2'])]:
        proc = subprocess.run(['bash', str(repo / 'tools' / script), *args],
                              env=env, capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0, proc.stderr
    calls = record.read_text().splitlines()
    assert len(calls) == 2
    python = str(bin_dir / 'python')
    tools = str(repo / 'tools')
    assert calls[0] == (
        f'{python} -m torch.distributed.run --nnodes=1 --node_rank=0 '
        '--master_addr=127.0.0.1 --nproc_per_node=2 --master_port=29500 '
        f'{tools}/train.py cfg.py --launcher pytorch --work-dir w')
    assert calls[1].startswith(f'{python} -m torch.distributed.run')
    assert calls[1].endswith(f'{tools}/test.py cfg.py c.pth --launcher '
                             'pytorch')


def _train(work_dir, street_data, max_iters, *extra):
    return run_tool([
        'tools/train.py', TINY_CFG, '--work-dir', work_dir, *extra,
        '--cfg-options', *data_root_opts(street_data),
        f'train_cfg.max_iters={max_iters}', 'train_cfg.val_interval=1000',
        f'param_scheduler.0.end={max_iters}',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1'
    ])


@pytest.mark.slow
def test_resume_skips_truncated_newest_checkpoint(street_data, tmp_path):
    """No last_checkpoint and a truncated iter_4.pth: --resume continues from
    iter_2.pth (saying so) instead of restarting from iteration 1."""
    work_dir = str(tmp_path / 'work')
    _train(work_dir, street_data, 4)
    assert sorted(f for f in os.listdir(work_dir) if f.endswith('.pth')) == [
        'iter_2.pth', 'iter_4.pth'
    ]
    assert not [f for f in os.listdir(work_dir) if f.endswith('.tmp')]
    newest = osp.join(work_dir, 'iter_4.pth')
    with open(newest, 'rb') as f:
        data = f.read()
    with open(newest, 'wb') as f:
        f.write(data[:len(data) // 3])
    os.remove(osp.join(work_dir, 'last_checkpoint'))
    with open(osp.join(work_dir, 'iter_2.pth'), 'rb') as f:
        iter2 = hashlib.sha1(f.read()).hexdigest()

    proc = _train(work_dir, street_data, 6, '--resume')
    log = proc.stdout + proc.stderr
    assert f'skipping {newest}' in log and 'truncated' in log
    assert f'resuming from the newest complete checkpoint ' \
        f'{osp.join(work_dir, "iter_2.pth")}' in log
    assert 'resumed epoch: 0, iter: 2' in log
    assert re.search(r'Iter\(train\) \[3/6\]', log)
    assert not re.search(r'Iter\(train\) \[1/6\]', log)
    with open(osp.join(work_dir, 'iter_2.pth'), 'rb') as f:
        assert hashlib.sha1(f.read()).hexdigest() == iter2
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        assert f.read().strip().endswith('iter_6.pth')
    torch.load(newest, map_location='cpu', weights_only=False)  # rewritten
