# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The weights a run starts from (another stage's checkpoint, a URL) are
checked before anything is built, and the error says what to do."""
import os
import os.path as osp

import pytest
import torch
from conftest import REPO, data_root_opts, run_tool

from mmseg_efficient.utils import (OfflineWeightsError, StageCheckpointError,
                                   check_start_checkpoints, load_config,
                                   resolve_latest_checkpoint)

PHASE1 = 'essnetb-d_p1-enc_1xb4-300i_streetscenes-128x256'
PHASE2 = osp.join(REPO, 'configs', 'demo',
                  'essnet-d_p2_ups_1xb4-300i_streetscenes-128x256.py')
DISTILL = osp.join(
    REPO, 'configs', 'segformer_kitti',
    'essnet-dg2_ups-cwd-essnet-d_1xb4-300i_streetscenes-128x256.py')
KEY = 'model.backbone.init_cfg.checkpoint'
# nothing listens on port 9 (discard) of the loopback: refused at once
DEAD_URL = 'http://127.0.0.1:9/x.pth'


def _save(path):
    os.makedirs(osp.dirname(path), exist_ok=True)
    torch.save({'state_dict': {}}, path)


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # work_dirs/... are relative to the cwd
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    return tmp_path


def test_missing_previous_stage_names_key_config_and_what_exists(in_tmp):
    _save(f'work_dirs/{PHASE1}/iter_20.pth')
    _save(f'work_dirs/{PHASE1}/iter_10.pth')
    cfg = load_config(PHASE2, {KEY: f'work_dirs/{PHASE1}/iter_300.pth'})
    with pytest.raises(StageCheckpointError) as err:
        check_start_checkpoints(cfg)
    msg = str(err.value)
    assert f"{KEY}='work_dirs/{PHASE1}/iter_300.pth'" in msg
    assert f'configs/demo/{PHASE1}.py' in msg  # the previous stage
    assert f'--cfg-options {KEY}=work_dirs/{PHASE1}/iter_20.pth' in msg
    assert 'holds iter_20.pth, iter_10.pth' in msg
    assert 'last_checkpoint' in msg


def test_last_checkpoint_means_the_latest_checkpoint(in_tmp):
    cfg = load_config(PHASE2)
    assert cfg.model.backbone.init_cfg.checkpoint.endswith(
        f'{PHASE1}/last_checkpoint')
    # the previous stage has not run at all
    with pytest.raises(StageCheckpointError) as err:
        check_start_checkpoints(cfg)
    assert KEY in str(err.value) and f'configs/demo/{PHASE1}.py' in str(
        err.value)
    assert 'has written no checkpoint' in str(err.value)
    # a shortened run: its last_checkpoint marker names iter_20.pth
    work_dir = in_tmp / 'work_dirs' / PHASE1
    _save(str(work_dir / 'iter_20.pth'))
    _save(str(work_dir / 'iter_10.pth'))
    (work_dir / 'last_checkpoint').write_text(
        '/elsewhere/moved/iter_10.pth')  # found by name in the work dir
    assert check_start_checkpoints(cfg) == [KEY]
    assert cfg.model.backbone.init_cfg.checkpoint == osp.join(
        f'work_dirs/{PHASE1}', 'iter_10.pth')
    # without a marker: the newest iter_*.pth
    assert resolve_latest_checkpoint(
        f'work_dirs/{PHASE1}/last_checkpoint.missing') == \
        f'work_dirs/{PHASE1}/last_checkpoint.missing'  # not a marker name
    os.remove(work_dir / 'last_checkpoint')
    assert resolve_latest_checkpoint(
        f'work_dirs/{PHASE1}/last_checkpoint') == osp.join(
            f'work_dirs/{PHASE1}', 'iter_20.pth')


def test_distillation_teacher(in_tmp):
    cfg = load_config(DISTILL)
    with pytest.raises(StageCheckpointError) as err:
        check_start_checkpoints(cfg)
    msg = str(err.value)
    assert 'model.teacher_checkpoint=' in msg
    assert ('configs/demo/essnet-d_ups_1xb4-600i_streetscenes-128x256.py'
            in msg)
    _save('work_dirs/essnet-d_ups_1xb4-600i_streetscenes-128x256/'
          'iter_40.pth')
    check_start_checkpoints(cfg)
    assert cfg.model.teacher_checkpoint.endswith('iter_40.pth')


def test_unreachable_url_names_key_url_and_the_way_out(in_tmp):
    cfg = load_config(PHASE2, {'load_from': DEAD_URL})
    with pytest.raises(OfflineWeightsError) as err:
        check_start_checkpoints(cfg, url_timeout=2)
    msg = str(err.value)
    assert f"load_from='{DEAD_URL}' cannot be fetched" in msg
    cache = osp.join(str(in_tmp), 'torch_home', 'checkpoints', 'x.pth')
    assert cache in msg
    assert '--cfg-options load_from=/path/to/x.pth' in msg
    assert 'load_from=None' in msg
    # an init_cfg URL: run without it by dropping the init_cfg
    cfg = load_config(PHASE2, {KEY: DEAD_URL})
    with pytest.raises(OfflineWeightsError,
                       match='model.backbone.init_cfg=None'):
        check_start_checkpoints(cfg, url_timeout=2)
    # in mmengine's download cache: nothing to fetch
    _save(cache)
    check_start_checkpoints(cfg, url_timeout=2)


@pytest.mark.slow
def test_train_stops_before_the_runner_on_an_unreachable_url(
        street_data, tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    proc = run_tool([
        'tools/train.py', PHASE2, '--work-dir',
        str(tmp_path / 'w'), '--cfg-options', f'load_from={DEAD_URL}',
        *data_root_opts(street_data)
    ], check=False, timeout=300)
    assert proc.returncode != 0
    assert 'OfflineWeightsError' in proc.stderr, proc.stderr[-3000:]
    assert DEAD_URL in proc.stderr
    assert not osp.exists(tmp_path / 'w')  # no Runner: no log, no work dir
