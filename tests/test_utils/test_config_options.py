# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""``--cfg-options``: typos at the top level and in nested dicts (checked
against what the dict's target takes), overrides that leave the schedule
behind, ``num_workers=0`` with persistent workers, keys of a wrapped
dataset, blanks inside values."""
import importlib.util
import os.path as osp
import warnings

import pytest
from conftest import REPO, TINY_CFG, load_tool

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


# ---------------------------------------------------------------------------
# Nested keys, schedules, workers, wrapped datasets, blanks in values
# ---------------------------------------------------------------------------
EFFICIENTSEG_STREET = osp.join(
    REPO, 'configs', 'efficientseg',
    'efficientseg-w0.5_1xb4-300i_streetscenes-128x256.py')


def test_misspelt_test_cfg_key_refused_by_test_tool(tmp_path):
    test = load_tool('tools/test.py')
    ckpt = tmp_path / 'never_read.pth'
    ckpt.write_bytes(b'')
    with pytest.raises(UnknownConfigKeyError) as info:
        test.main([TINY_CFG, str(ckpt), '--work-dir', str(tmp_path / 'w'),
                   '--cfg-options', 'model.test_cfg.mdoe=slide'])
    msg = str(info.value)
    assert "model.test_cfg" in msg and "'mdoe'" in msg
    assert "Did you mean 'model.test_cfg.mode'?" in msg
    # the keys mmseg reads are accepted, a misspelt parent is named too
    load_config(TINY_CFG, {'model.test_cfg.mode': 'slide',
                           'model.test_cfg.crop_size': (64, 64),
                           'model.test_cfg.stride': (32, 32)})
    with pytest.raises(UnknownConfigKeyError,
                       match=r"EncoderDecoder.*Did you mean "
                       r"'model.test_cfg.mode'"):
        load_config(TINY_CFG, {'model.test_cfgg.mode': 'slide'})


def test_misspelt_hook_key_refused_before_training(tmp_path):
    train = load_tool('tools/train.py')
    work_dir = str(tmp_path / 'work')
    with pytest.raises(UnknownConfigKeyError) as info:
        train.main([TINY_CFG, '--work-dir', work_dir, '--cfg-options',
                    'default_hooks.checkpoint.intervl=1'])
    msg = str(info.value)
    assert 'CheckpointHook' in msg and "'intervl'" in msg
    assert "Did you mean 'default_hooks.checkpoint.interval'?" in msg
    assert not osp.exists(work_dir)  # nothing was built or trained


@pytest.mark.parametrize('key,meant,target', [
    ('param_scheduler.0.ends', 'param_scheduler.0.end', 'PolyLR'),
    ('train_dataloader.num_worker', 'train_dataloader.num_workers',
     'DataLoader'),
    ('train_dataloader.dataset.data_rot', 'train_dataloader.dataset.data_root',
     'CityscapesDataset'),
    ('train_cfg.max_iter', 'train_cfg.max_iters', 'IterBasedTrainLoop'),
    ('model.decode_head.num_class', 'model.decode_head.num_classes',
     'FCNHead'),
])
def test_nested_key_checked_against_its_target(key, meant, target):
    with pytest.raises(UnknownConfigKeyError) as info:
        load_config(TINY_CFG, {key: 1})
    assert target in str(info.value)
    assert f"Did you mean '{meant}'?" in str(info.value)


def test_nested_keys_the_targets_take_pass():
    cfg = load_config(TINY_CFG, {
        'default_hooks.checkpoint.max_keep_ckpts': 1,
        'default_hooks.checkpoint.priority': 'LOW',
        'param_scheduler.0.convert_to_iter_based': False,
        'model.auxiliary_head.type': 'FCNHead',
        'model.auxiliary_head.in_channels': 16,
        'optim_wrapper.paramwise_cfg.custom_keys.backbone.lr_mult': 0.1,
        'train_dataloader.pin_memory': False,
        'train_cfg.val_begin': 1,
    })
    assert cfg.default_hooks.checkpoint.max_keep_ckpts == 1
    assert cfg.model.auxiliary_head.in_channels == 16


def test_scheduler_milestone_beyond_max_iters_warns():
    with pytest.warns(ConfigOverrideWarning) as record:
        load_config(EFFICIENTSEG_STREET, {'train_cfg.max_iters': 100,
                                          'param_scheduler.0.end': 100})
    msgs = [str(w.message) for w in record
            if issubclass(w.category, ConfigOverrideWarning)]
    assert any('param_scheduler[0] (MultiStepLR)' in m and '[200]' in m
               and 'param_scheduler.0.milestones=[66]' in m for m in msgs)
    with pytest.warns(ConfigOverrideWarning,
                      match=r'param_scheduler\[0\] \(PolyLR\) begins at '
                      r'iteration 30'):
        load_config(TINY_CFG, {'param_scheduler.0.begin': 30})
    with warnings.catch_warnings():
        warnings.simplefilter('error', ConfigOverrideWarning)
        load_config(EFFICIENTSEG_STREET, {
            'train_cfg.max_iters': 100, 'param_scheduler.0.end': 100,
            'param_scheduler.0.milestones': [66]})


def test_num_workers_zero_drops_persistent_workers():
    from torch.utils.data import DataLoader
    with pytest.warns(ConfigOverrideWarning,
                      match=r'test_dataloader.num_workers=0: '
                      r'test_dataloader.persistent_workers=True'):
        cfg = load_config(EFFICIENTSEG_STREET,
                          {'test_dataloader.num_workers': 0})
    loader = cfg.test_dataloader
    assert loader.persistent_workers is False
    # what the Runner hands torch's DataLoader now works
    DataLoader(list(range(2)), num_workers=loader.num_workers,
               persistent_workers=loader.persistent_workers)


def test_data_root_of_a_wrapped_dataset(street_data):
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS
    with pytest.warns(ConfigOverrideWarning,
                      match='RareClassOversampledDataset.*applied as '
                      'train_dataloader.dataset.dataset.data_root'):
        cfg = load_config(EFFICIENTSEG_STREET, {
            'train_dataloader.dataset.data_root': street_data,
            'train_dataloader.dataset.num_extra': 1})
    assert 'data_root' not in cfg.train_dataloader.dataset
    assert cfg.train_dataloader.dataset.dataset.data_root == street_data
    init_default_scope('mmseg')
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(dataset.dataset) == 8


def test_blank_in_a_value_is_kept(tmp_path):
    train = load_tool('tools/train.py')
    args = train.parse_args([
        TINY_CFG, '--cfg-options', 'data_root=/a/with space/data',
        'model.test_cfg.crop_size=(64, 128)', 'a=[1, 2, [x, y z]]',
        'b="quoted value"', 'c=1.5', 'd=None', 'e=x,y'])
    assert args.cfg_options == {
        'data_root': '/a/with space/data',
        'model.test_cfg.crop_size': (64, 128),
        'a': [1, 2, ['x', 'y z']], 'b': 'quoted value', 'c': 1.5,
        'd': None, 'e': ['x', 'y']}
    root = str(tmp_path / 'with space' / 'data')
    with pytest.raises(FileNotFoundError) as info:
        train.main([TINY_CFG, '--work-dir', str(tmp_path / 'w'),
                    '--cfg-options', f'train_dataloader.dataset.data_root='
                    f'{root}'])
    assert repr(root) in str(info.value)


def test_only_dataset_wrappers_pass_keys_on():
    # a DataLoader key is not silently moved into its dataset
    with pytest.raises(UnknownConfigKeyError,
                       match=r"train_dataloader \(DataLoader.*'data_root'"):
        load_config(TINY_CFG, {'train_dataloader.data_root': 'x'})
