# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Shared fixtures: a small built-in street dataset and a tool runner."""
import importlib.util
import os
import os.path as osp
import re
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))  # the repository root
TINY_CFG = osp.join(REPO, 'tests', 'data', 'configs', 'tiny_erfnet.py')

if REPO not in sys.path:
    sys.path.insert(0, REPO)


@pytest.fixture(scope='session')
def street_data(tmp_path_factory):
    """8 train + 3 val street scenes at 256x128, Cityscapes layout."""
    from mmseg_efficient.datasets.street_scenes import generate_street_scenes
    root = str(tmp_path_factory.mktemp('data') / 'street_scenes')
    generate_street_scenes(root, num_train=8, num_val=3, size=(256, 128),
                           seed=0)
    return root


def data_root_opts(root):
    """``--cfg-options`` pointing every dataloader at ``root``."""
    return [
        f'{loader}.dataset.data_root={root}'
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')
    ]


def run_tool(args, timeout=900, check=True, **kwargs):
    """Run ``python <args>`` from the repo root like a user would."""
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='2')
    proc = subprocess.run([sys.executable, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout,
                          **kwargs)
    if check and proc.returncode != 0:
        raise AssertionError(
            f'{" ".join(args)} failed ({proc.returncode}):\n'
            f'{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}')
    return proc


def load_tool(rel_path):
    """Import a tool script (``tools/...``, relative to the repo) as a
    module."""
    name = 'tool_' + re.sub(r'\W', '_', rel_path)
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(REPO, rel_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_cfg(tmp_path, name, text):
    """Write a config file ``name`` under ``tmp_path``; returns its path."""
    path = tmp_path / name
    path.write_text(text)
    return str(path)
