# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Clear errors from the tools instead of a crash deep inside a library:
--resume into another model's work dir, a distillation teacher of another
architecture, a truncated --from-json, an export --out under a file, a
benchmark whose config failed, and the launch scripts with paths that hold
spaces."""
import json
import os
import os.path as osp
import shutil
import stat
import subprocess

import pytest
import torch
from conftest import REPO, TINY_CFG, data_root_opts, load_tool
from helpers.files import folder_digest  # noqa: E402

import mmseg_efficient  # noqa: F401
from mmseg_efficient.utils import (CheckpointMismatchError, ResumeError,
                                   build_segmentor, load_config)

ESSNET_D = osp.join(REPO, 'configs', 'demo',
                    'essnet-d_ups_1xb4-600i_streetscenes-128x256.py')
STREET_CWD = osp.join(
    REPO, 'configs', 'segformer_kitti',
    'essnet-dg2_ups-cwd-essnet-d_1xb4-300i_streetscenes-128x256.py')


def _erfnet_checkpoint(path):
    torch.save(dict(meta=dict(iter=2), state_dict=build_segmentor(
        load_config(TINY_CFG), drop_auxiliary=False).state_dict()), path)


def test_resume_into_another_models_work_dir(street_data, tmp_path):
    """An ERFNet work dir resumed with the ESSNet-D config: a ResumeError
    naming the file, the work dir and the mismatch before anything trains
    (a temporary file a killed save left there is removed first)."""
    work = tmp_path / 'erfnet_run'
    work.mkdir()
    ckpt = str(work / 'iter_2.pth')
    _erfnet_checkpoint(ckpt)
    (work / 'last_checkpoint').write_text(ckpt)
    (work / '.iter_4.pth.0a1b2c3d.tmp').write_bytes(b'')  # a killed save
    before = folder_digest(work)
    train = load_tool('tools/train.py')
    with pytest.raises(ResumeError) as info:
        train.main([ESSNET_D, '--work-dir', str(work), '--resume',
                    '--cfg-options', *data_root_opts(street_data),
                    'train_cfg.max_iters=3', 'param_scheduler.0.end=3'])
    msg = str(info.value)
    assert f'the checkpoint {ckpt} in the work dir {work} does not fit ' \
        f'the model of {ESSNET_D}' in msg
    assert 'keys are missing from it (backbone.' in msg
    assert 'another --work-dir' in msg
    # nothing written; the temporary file is gone (the log line is tested
    # in tests/test_utils/test_run_reliability.py)
    assert sorted(os.listdir(work)) == ['iter_2.pth', 'last_checkpoint']
    assert folder_digest(work) == {k: v for k, v in before.items()
                             if not k.endswith('.tmp')}


def test_distill_teacher_of_another_architecture(tmp_path):
    """An ERFNet checkpoint as the ESSNet-D teacher's weights."""
    from mmengine.registry import DefaultScope

    from mmseg.registry import MODELS
    wrong = str(tmp_path / 'erfnet.pth')
    _erfnet_checkpoint(wrong)
    cfg = load_config(STREET_CWD).model
    cfg.teacher_checkpoint = wrong
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(cfg)
    with pytest.raises(CheckpointMismatchError) as info:
        model.load_teacher()
    msg = str(info.value)
    assert f'the teacher checkpoint (model.teacher_checkpoint) {wrong} ' \
        'does not fit the model (EncoderDecoder)' in msg
    assert 'keys are not in the model' in msg
    assert 'essnet-d_ups_1xb4-600i_streetscenes-128x256.py' in msg
    # the teacher's own checkpoint loads
    right = str(tmp_path / 'essnet_d.pth')
    torch.save(dict(state_dict=model.teacher.state_dict()), right)
    model.teacher_checkpoint = right
    model.load_teacher()


def test_efficiency_report_truncated_json(tmp_path, capsys):
    report = load_tool('tools/analysis_tools/efficiency_report.py')
    path = tmp_path / 'efficiency.json'
    text = json.dumps(dict(run=dict(args=dict(config=['a.py'])), rows=[]))
    path.write_text(text[:len(text) // 2])
    with pytest.raises(SystemExit) as info:
        report.parse_args(['--from-json', str(path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f'--from-json: {path} is not valid JSON (truncated or corrupt?)' \
        in err


def test_export_out_under_a_file(tmp_path, capsys):
    export = load_tool('tools/deploy/export.py')
    blocker = tmp_path / 'deploy'
    blocker.write_text('a file where a folder is expected')
    for out in (blocker / 'essnet', blocker):
        with pytest.raises(SystemExit):
            export.parse_args([ESSNET_D, 'random', '--out', str(out)])
        err = capsys.readouterr().err
        assert f'--out {out}: {blocker} is a file, not a folder' in err
    # the library entry refuses it too, before the model is exported
    with pytest.raises(NotADirectoryError, match=str(blocker)):
        export._parent_dir(str(blocker / 'essnet'))
    assert blocker.read_text() == 'a file where a folder is expected'


def test_benchmark_exits_nonzero_naming_failed_configs(tmp_path, capsys):
    bench = load_tool('tools/analysis_tools/benchmark.py')
    broken = tmp_path / 'broken_model.py'
    broken.write_text(f"_base_ = ['{TINY_CFG}']\n"
                      "model = dict(backbone=dict(type='NoSuchBackbone'))\n")
    out = tmp_path / 'bench.json'
    with pytest.raises(SystemExit) as info:
        bench.main([TINY_CFG, str(broken), '--shape', '32', '64',
                    '--warmup', '0', '--iters', '1', '--threads', '1',
                    '--no-flops', '--out', str(out)])
    msg = str(info.value.code)
    assert msg.startswith('benchmark.py: 1 of 2 runs failed: ')
    assert f'{broken} [pytorch]: build:' in msg and 'NoSuchBackbone' in msg
    assert TINY_CFG not in msg
    rows = json.loads(out.read_text())['rows']  # what did run is written
    assert [r['status'] for r in rows] == ['ok', 'failed']
    assert 'tiny_erfnet.py [pytorch]: median' in capsys.readouterr().out


# -- launch scripts with spaces in paths -----------------------------------
_RECORDER = ('#!/bin/sh\nprintf "%s\\n" "$@" >> "{record}"\n'
             'echo >> "{record}"\n')


def _fake_tools(tmp_path, scripts, command):
    """Copies of ``scripts`` in a repo under a path with a space, and a
    ``command`` stub on PATH that records its arguments one per line."""
    repo = tmp_path / 'my repo'
    (repo / 'tools').mkdir(parents=True)
    for name in (*scripts, '_python.sh'):  # the interpreter rule they source
        shutil.copy(osp.join(REPO, 'tools', name), repo / 'tools' / name)
    record = tmp_path / 'argv.txt'
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / command).write_text(_RECORDER.format(record=record))
    (bin_dir / command).chmod(stat.S_IRWXU)
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTHON', 'VIRTUAL_ENV', 'SRUN_ARGS')}
    env['PATH'] = f'{bin_dir}:/usr/bin:/bin'
    return repo, record, env


def _calls(record):
    return [c.strip('\n').split('\n')
            for c in record.read_text().split('\n\n') if c.strip()]


def test_dist_scripts_keep_paths_with_spaces(tmp_path):
    repo, record, env = _fake_tools(tmp_path,
                                    ('dist_train.sh', 'dist_test.sh'),
                                    'python')
    cfg, ckpt, work = 'my configs/a b.py', 'runs/iter 2.pth', 'work dir/x y'
    for script, args in [
        ('dist_train.sh', [cfg, '2', '--work-dir', work, '--resume']),
        ('dist_test.sh', [cfg, ckpt, '2', '--work-dir', work]),
        ('dist_test.sh', [cfg, ckpt, '1']),
    ]:
        proc = subprocess.run(['bash', str(repo / 'tools' / script), *args],
                              env=env, capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0, proc.stderr
    train, test, test_plain = _calls(record)
    tools = str(repo / 'tools')
    assert train[-7:] == [f'{tools}/train.py', cfg, '--launcher', 'pytorch',
                          '--work-dir', work, '--resume']
    assert '--nproc_per_node=2' in train
    assert test[-7:] == [f'{tools}/test.py', cfg, ckpt, '--launcher',
                         'pytorch', '--work-dir', work]
    assert test_plain[-5:] == [f'{tools}/test.py', cfg, ckpt, '--launcher',
                               'pytorch']


def test_slurm_scripts_keep_paths_with_spaces(tmp_path):
    repo, record, env = _fake_tools(tmp_path,
                                    ('slurm_train.sh', 'slurm_test.sh'),
                                    'srun')
    env['PYTHON'] = 'python'  # the interpreter the scripts hand to srun
    cfg, ckpt, work = 'my configs/a b.py', 'runs/iter 2.pth', 'work dir/x y'
    for script, args in [
        ('slurm_train.sh', ['part', 'job', cfg, '--work-dir', work]),
        ('slurm_test.sh', ['part', 'job', cfg, ckpt, '--work-dir', work]),
    ]:
        proc = subprocess.run(['bash', str(repo / 'tools' / script), *args],
                              env=env, capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0, proc.stderr
    train, test = _calls(record)
    tools = str(repo / 'tools')
    assert train[-7:] == ['python', '-u', f'{tools}/train.py', cfg,
                          '--launcher=slurm', '--work-dir', work]
    assert test[-8:] == ['python', '-u', f'{tools}/test.py', cfg, ckpt,
                         '--launcher=slurm', '--work-dir', work]
    assert train[:2] == ['-p', 'part'] and '--job-name=job' in train
