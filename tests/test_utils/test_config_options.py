# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Issue 8 item 6: ``--cfg-options`` typos and a ``max_iters`` override that
leaves the schedule's end behind."""
import importlib.util
import os.path as osp
import warnings

import pytest
from conftest import REPO, TINY_CFG

import mmseg_efficient  # noqa: F401
from mmseg_efficient.utils import load_config
from mmseg_efficient.utils.config import (ConfigOverrideWarning,
                                          UnknownConfigKeyError)


def test_unknown_top_level_key_suggests_the_nearest(tmp_path):
    spec = importlib.util.spec_from_file_location(
        'reliability_train_tool_cfg', osp.join(REPO, 'tools', 'train.py'))
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    work_dir = str(tmp_path / 'work')
    with pytest.raises(UnknownConfigKeyError) as info:
        train.main([TINY_CFG, '--work-dir', work_dir, '--cfg-options',
                    'trian_cfg.max_iters=2'])
    msg = str(info.value)
    assert "no key 'trian_cfg'" in msg
    assert "Did you mean 'train_cfg.max_iters'?" in msg
    assert not osp.exists(work_dir)
    # keys the Runner reads are fine even when the config omits them
    cfg = load_config(TINY_CFG, {'randomness.seed': 3, 'work_dir': 'x'})
    assert cfg.randomness.seed == 3


def test_max_iters_without_schedule_end_warns():
    with pytest.warns(ConfigOverrideWarning,
                      match=r'param_scheduler\[0\] \(PolyLR\) still ends at '
                      r'iteration 20.*param_scheduler.0.end=5'):
        cfg = load_config(TINY_CFG, {'train_cfg.max_iters': 5})
    assert cfg.train_cfg.max_iters == 5
    with warnings.catch_warnings():
        warnings.simplefilter('error', ConfigOverrideWarning)
        load_config(TINY_CFG, {
            'train_cfg.max_iters': 5,
            'param_scheduler.0.end': 5
        })
