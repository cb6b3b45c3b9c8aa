# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The tools, run as a user runs them: train, kill, resume, test with TTA,
2-process CPU training, get_flops and benchmark."""
import json
import os
import os.path as osp
import signal
import socket
import subprocess
import sys
import time

import pytest
from conftest import REPO, TINY_CFG, data_root_opts, run_tool

pytestmark = pytest.mark.slow  # every test here runs a tool in a subprocess

ERFNET_MMSEG = 'mmseg::erfnet/erfnet_fcn_4xb4-160k_cityscapes-512x1024.py'


def _scalars(work_dir):
    """Per-iteration training records from mmengine's scalars.json."""
    paths = [
        osp.join(root, f) for root, _, files in os.walk(work_dir)
        for f in files if f == 'scalars.json'
    ]
    records = {}
    for path in sorted(paths, key=osp.getmtime):
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if 'lr' in rec and 'step' in rec:
                    records[rec['step']] = rec
    return records


def _train_cmd(work_dir, street_data, max_iters, *extra):
    return [
        'tools/train.py', TINY_CFG, '--work-dir', work_dir, *extra,
        '--cfg-options', *data_root_opts(street_data),
        f'train_cfg.max_iters={max_iters}',
        f'train_cfg.val_interval={max_iters}',
        f'param_scheduler.0.end={max_iters}',
        'default_hooks.checkpoint.interval=40'
    ]


@pytest.fixture(scope='module')
def uninterrupted(street_data, tmp_path_factory):
    """A 50-iteration run without interruption (checkpoints at 40 and 50)."""
    work_dir = str(tmp_path_factory.mktemp('uninterrupted'))
    run_tool(_train_cmd(work_dir, street_data, 50))
    return work_dir


def test_kill_and_resume_continues_the_schedule(street_data, uninterrupted,
                                                tmp_path):
    work_dir = str(tmp_path / 'killed')
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='2')
    proc = subprocess.Popen(
        [sys.executable, *_train_cmd(work_dir, street_data, 50)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    marker = osp.join(work_dir, 'last_checkpoint')
    deadline = time.time() + 600
    try:
        while time.time() < deadline and proc.poll() is None:
            if osp.exists(marker) and open(marker).read().strip().endswith(
                    'iter_40.pth'):
                break
            time.sleep(0.05)
        assert proc.poll() is None, 'training ended before it was killed'
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert not osp.exists(osp.join(work_dir, 'iter_50.pth'))

    resumed = run_tool(_train_cmd(work_dir, street_data, 50, '--resume'))
    log = resumed.stdout + resumed.stderr
    assert 'resumed epoch: 0, iter: 40' in log
    assert osp.exists(osp.join(work_dir, 'iter_50.pth'))

    expected = _scalars(uninterrupted)
    got = _scalars(work_dir)
    assert min(step for step in got if step > 40) == 41
    for step in range(41, 51):
        assert got[step]['lr'] == pytest.approx(expected[step]['lr'],
                                                rel=1e-9), step
    # the poly schedule really decays (the comparison is not vacuous)
    assert got[50]['lr'] < got[41]['lr'] < expected[1]['lr']


def test_test_tool_with_tta_out_and_show_dir(street_data, uninterrupted,
                                             tmp_path):
    ckpt = osp.join(uninterrupted, 'iter_50.pth')
    out_dir, show_dir = tmp_path / 'preds', tmp_path / 'show'
    proc = run_tool([
        'tools/test.py', TINY_CFG, ckpt, '--tta', '--out',
        str(out_dir), '--show-dir',
        str(show_dir), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', *data_root_opts(street_data)
    ])
    assert 'mIoU' in proc.stdout + proc.stderr
    preds = [f for _, _, fs in os.walk(out_dir) for f in fs]
    # one painted pair per image, named after it, straight in --show-dir
    shown = sorted(os.listdir(show_dir))
    assert len(preds) == 3 and all(f.endswith('.png') for f in preds)
    assert len(shown) == 3
    assert all(f.endswith('_leftImg8bit.png') and '.png_' not in f
               for f in shown), shown
    metrics = [
        json.loads(line) for root, _, fs in os.walk(tmp_path / 'work')
        for f in fs if f.endswith('.json') and f[0].isdigit()
        for line in open(osp.join(root, f))
    ]
    assert any(0 <= m.get('mIoU', -1) <= 100 for m in metrics)


def test_test_tool_refuses_missing_checkpoint(tmp_path):
    proc = run_tool(['tools/test.py', TINY_CFG,
                     str(tmp_path / 'none.pth')], check=False)
    assert proc.returncode != 0
    assert 'Checkpoint not found' in proc.stderr
    assert 'none.pth' in proc.stderr


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_dist_train_two_cpu_processes(street_data, tmp_path):
    work_dir = str(tmp_path / 'dist')
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(_free_port()),
               OMP_NUM_THREADS='1')
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', TINY_CFG, '2', '--work-dir', work_dir,
         '--cfg-options', *data_root_opts(street_data)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    log = proc.stdout + proc.stderr
    first_error = log.find('Traceback')
    assert proc.returncode == 0, (log[first_error:first_error + 4000]
                                  if first_error >= 0 else log[-5000:])
    # mmengine's environment dump goes to the run's log file only
    import glob
    (run_log, ) = glob.glob(osp.join(work_dir, '2*', '2*.log'))
    with open(run_log) as f:
        env_dump = f.read()
    assert 'Distributed training: True' in env_dump
    assert 'GPU number: 2' in env_dump  # mmengine's name for the world size
    ckpts = sorted(f for f in os.listdir(work_dir) if f.endswith('.pth'))
    assert ckpts == ['iter_20.pth']

    env['PORT'] = str(_free_port())
    proc = subprocess.run(
        ['bash', 'tools/dist_test.sh', TINY_CFG,
         osp.join(work_dir, 'iter_20.pth'), '2', '--work-dir',
         str(tmp_path / 'dist_test'), '--cfg-options',
         *data_root_opts(street_data)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    assert 'Iter(test) [2/2]' in log and 'mIoU' in log  # 3 images, 2 ranks


def test_get_flops_mmseg_erfnet():
    proc = run_tool(['tools/analysis_tools/get_flops.py', ERFNET_MMSEG,
                     '--shape', '512', '1024'])
    assert 'Params: 2.084M' in proc.stdout
    assert 'Flops: 29.347G' in proc.stdout
    assert 'Input shape: (512, 1024)' in proc.stdout


def test_get_flops_excludes_auxiliary_head(tmp_path):
    """Adding an auxiliary FCN head changes neither params nor GFLOPs."""
    base = run_tool(['tools/analysis_tools/get_flops.py', TINY_CFG,
                     '--shape', '64', '128']).stdout
    aux = run_tool([
        'tools/analysis_tools/get_flops.py', TINY_CFG, '--shape', '64', '128',
        '--cfg-options', 'model.auxiliary_head.type=FCNHead',
        'model.auxiliary_head.in_channels=16',
        'model.auxiliary_head.channels=64', 'model.auxiliary_head.in_index=-1',
        'model.auxiliary_head.num_classes=19'
    ]).stdout
    pick = [line for line in base.splitlines() if line.startswith(
        ('Params', 'Flops'))]
    assert pick and pick == [
        line for line in aux.splitlines()
        if line.startswith(('Params', 'Flops'))
    ]


def test_get_flops_rejects_bad_shape():
    proc = run_tool(['tools/analysis_tools/get_flops.py', TINY_CFG,
                     '--shape', '1', '2', '3'], check=False)
    assert proc.returncode != 0 and '--shape' in proc.stderr


def test_benchmark_random_weights_cpu(tmp_path):
    out = tmp_path / 'bench.json'
    proc = run_tool([
        'tools/analysis_tools/benchmark.py', TINY_CFG, ERFNET_MMSEG,
        '--shape', '64', '128', '--warmup', '1', '--iters', '3', '--device',
        'cpu', '--out',
        str(out)
    ])
    assert 'latency ratio' in proc.stdout
    saved = json.loads(out.read_text())
    assert saved['machine']['available_cpus'] >= 1  # the CPU recorded
    results = saved['rows']
    assert len(results) == 2
    for r in results:
        assert r['iters'] == 3 and r['weights'] == 'random'
        assert 0 < r['min_ms'] <= r['median_ms'] <= r['max_ms']
        assert r['fps'] == pytest.approx(1000 / r['median_ms'])
