# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""CPU runs split the cores between intra-op threads and dataloader
workers; ``--amp`` on a CPU says in one line that it needs a GPU."""
import os.path as osp

import pytest
import torch
from conftest import REPO, load_tool
from mmengine.config import Config

from mmseg_efficient.utils import load_config, setup_cpu_threads
from mmseg_efficient.utils import threads as threads_module

DEMO = osp.join(REPO, 'configs', 'demo',
                'essnet-d_ups_1xb4-600i_streetscenes-128x256.py')


@pytest.fixture
def cpu(monkeypatch):
    """A CPU machine with 2 cores, OMP_NUM_THREADS unset; the process's
    thread count is restored afterwards."""
    before = torch.get_num_threads()
    monkeypatch.delenv('OMP_NUM_THREADS', raising=False)
    monkeypatch.delenv('LOCAL_WORLD_SIZE', raising=False)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(threads_module.os, 'sched_getaffinity',
                        lambda pid: {0, 1})
    yield
    torch.set_num_threads(before)


def test_auto_keeps_workers_plus_threads_within_the_cores(cpu):
    cfg = load_config(DEMO)
    assert cfg.env_cfg.cpu_threads == 'auto'  # every config's default
    assert cfg.train_dataloader.num_workers == 2
    assert setup_cpu_threads(cfg) == 1
    assert torch.get_num_threads() == 1
    assert cfg.train_dataloader.num_workers == 1
    assert cfg.val_dataloader.num_workers == 1
    assert cfg.train_dataloader.num_workers + 1 <= 2


def test_fixed_threads_lower_the_workers(cpu):
    cfg = Config(
        dict(env_cfg=dict(cpu_threads=2),
             train_dataloader=dict(num_workers=4, persistent_workers=True)))
    assert setup_cpu_threads(cfg) == 2
    assert cfg.train_dataloader.num_workers == 0
    assert cfg.train_dataloader.persistent_workers is False  # torch needs it
    with pytest.raises(ValueError, match="env_cfg.cpu_threads must be 'auto'"):
        setup_cpu_threads(Config(dict(env_cfg=dict(cpu_threads='many'))))


def test_the_environment_and_none_win(cpu, monkeypatch):
    cfg = Config(dict(env_cfg=dict(cpu_threads=None),
                      train_dataloader=dict(num_workers=4)))
    assert setup_cpu_threads(cfg) is None
    assert cfg.train_dataloader.num_workers == 4
    monkeypatch.setenv('OMP_NUM_THREADS', '2')
    cfg = load_config(DEMO)
    assert setup_cpu_threads(cfg) is None
    assert cfg.train_dataloader.num_workers == 2


def test_amp_on_a_cpu_is_one_line(monkeypatch, capsys):
    tool = load_tool('tools/train.py')
    monkeypatch.setattr(tool, '_amp_device_available', lambda: False)
    with pytest.raises(SystemExit) as err:
        tool.parse_args([DEMO, '--amp'])
    assert err.value.code == 2
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert message.endswith('--amp needs a GPU (mmengine\'s AmpOptimWrapper '
                            'runs on CUDA, NPU, MLU or MUSA devices only); '
                            'train without --amp on a CPU')
