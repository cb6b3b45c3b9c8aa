# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Staged training (COCO subset -> Cityscapes coarse -> Cityscapes fine):
each stage's ``load_from`` names the last checkpoint of another config, whose
model holds every tensor it needs, so the names cannot drift; a stage
differs from the config it extends only where its header says; and
``tools/train.py --resume`` never resumes from a config's own load_from."""
import copy
import functools
import glob
import os
import os.path as osp
import re

import pytest
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmseg.registry import MODELS

from conftest import REPO, data_root_opts, load_tool, run_tool  # noqa: E402

CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                       recursive=True) if '_base_' not in p)
CHECKPOINT = re.compile(r'^work_dirs/([^/]+)/iter_(\d+)\.pth$')


@functools.lru_cache(maxsize=None)
def _cfg(config):
    return Config.fromfile(osp.join(REPO, config))


STAGED = [
    c for c in CONFIGS
    if str(_cfg(c).get('load_from') or '').startswith('work_dirs/')
]


def _source(config):
    """The config whose run writes ``config``'s load_from, and the
    iteration of that checkpoint."""
    match = CHECKPOINT.match(_cfg(config).load_from)
    assert match, f'{config}: unexpected load_from {_cfg(config).load_from}'
    name = match.group(1) + '.py'
    found = osp.join(osp.dirname(config), name)
    assert found in CONFIGS, f'{config}: no config {name} next to it'
    return found, int(match.group(2))


def test_every_family_has_the_stages():
    names = [osp.basename(c) for c in STAGED]
    assert 'essnet-d_ups_coarse-pre_1xb6-75k_cityscapes-512x1024.py' in names
    for head in ('basic', 'dpc'):
        assert (f'{head}_shufflenetv2-1x-os16_coco-pre_1xb16-60k_'
                'cityscapes-coarse-769x769.py') in names
        assert (f'{head}_shufflenetv2-1x-os16_coco-coarse-pre_1xb16-120k_'
                'cityscapes-769x769.py') in names


@pytest.mark.parametrize('config', STAGED)
def test_load_from_is_the_last_checkpoint_of_a_config(config):
    source, iters = _source(config)
    cfg = _cfg(source)
    assert iters == cfg.train_cfg.max_iters
    ckpt = cfg.default_hooks.checkpoint
    assert iters % ckpt.interval == 0 or ckpt.get('save_last', True)


@functools.lru_cache(maxsize=None)
def _shapes(config):
    init_default_scope('mmseg')
    cfg = copy.deepcopy(_cfg(config).model)
    cfg.backbone.init_cfg = None
    model = revert_sync_batchnorm(MODELS.build(cfg))
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


@pytest.mark.parametrize('config', STAGED)
def test_previous_stage_holds_every_tensor(config):
    """Same keys; same shapes but for the classifier when the class count
    changes (COCO's 10 -> Cityscapes' 19: left at its initialisation)."""
    source, _ = _source(config)
    mine, theirs = _shapes(config), _shapes(source)
    assert set(mine) == set(theirs)
    differ = sorted(k for k in mine if mine[k] != theirs[k])
    classes = (_cfg(config).model.decode_head.num_classes,
               _cfg(source).model.decode_head.num_classes)
    if classes[0] == classes[1]:
        assert differ == []
    else:
        assert classes == (19, 10)
        assert differ == ['decode_head.conv_seg.bias',
                          'decode_head.conv_seg.weight']


def test_coco_checkpoint_loads_into_the_coarse_stage_but_its_classifier(
        tmp_path):
    """What the Runner does with load_from (mmengine's load_checkpoint,
    strict=False): every tensor but the 10-class classifier is copied, the
    classifier keeps its initialisation, with a warning, not an error."""
    import torch
    from mmengine.runner.checkpoint import load_checkpoint
    config = [c for c in STAGED if 'dpc_' in c and 'coarse-769' in c][0]
    source, _ = _source(config)
    init_default_scope('mmseg')

    def build(c):
        cfg = copy.deepcopy(_cfg(c).model)
        cfg.backbone.init_cfg = None
        return revert_sync_batchnorm(MODELS.build(cfg))

    coco, coarse = build(source), build(config)
    path = str(tmp_path / 'iter_60000.pth')
    torch.save({'meta': {}, 'state_dict': coco.state_dict()}, path)
    before = {k: v.clone() for k, v in coarse.state_dict().items()}
    load_checkpoint(coarse, path, map_location='cpu', strict=False)
    after, loaded = coarse.state_dict(), coco.state_dict()
    for key, value in after.items():
        if key.startswith('decode_head.conv_seg.'):
            assert torch.equal(value, before[key]), key
        else:
            assert torch.equal(value, loaded[key]), key


def _without(model, *keys):
    model = copy.deepcopy(model)
    for key in keys:
        node = model
        *path, last = key.split('.')
        for part in path:
            node = node[part]
        node.pop(last, None)
    return model


@pytest.mark.parametrize(
    'config', [c for c in STAGED if 'cityscapes-coarse' not in c])
def test_fine_tuning_is_its_base_config_plus_load_from(config):
    """A *-pre_* config is the config it names in _base_ with every weight
    from load_from (so no backbone init of its own), nothing else."""
    cfg = _cfg(config)
    base = _cfg(osp.join(osp.dirname(config), _base_name(config)))
    assert cfg.model.backbone.get('init_cfg') is None
    assert _without(cfg.model, 'backbone.init_cfg') == _without(
        base.model, 'backbone.init_cfg')
    for key in ('train_dataloader', 'val_dataloader', 'optim_wrapper',
                'param_scheduler', 'train_cfg'):
        assert cfg[key] == base[key], key
    assert not base.get('load_from')


def _base_name(config):
    with open(osp.join(REPO, config)) as f:
        match = re.search(r"^_base_ = '\./([^']+)'", f.read(), re.M)
    assert match, f'{config}: expected a single _base_ file'
    return match.group(1)


@pytest.mark.parametrize(
    'config', [c for c in STAGED if 'cityscapes-coarse' not in c])
def test_coarse_stage_is_the_fine_config_on_train_extra(config):
    """The coarse stage trains the fine-tuned model (same model, same
    pipeline, same gtFine val) on train_extra / gtCoarse."""
    coarse, _ = _source(config)
    fine = _cfg(osp.join(osp.dirname(config), _base_name(config)))
    cfg = _cfg(coarse)
    assert cfg.model == fine.model
    train, fine_train = cfg.train_dataloader, fine.train_dataloader
    assert train.dataset.pipeline == fine_train.dataset.pipeline
    assert train.batch_size == fine_train.batch_size
    assert train.dataset.data_prefix == dict(
        img_path='leftImg8bit/train_extra',
        seg_map_path='gtCoarse/train_extra')
    assert train.dataset.seg_map_suffix == '_gtCoarse_labelTrainIds.png'
    assert cfg.val_dataloader == fine.val_dataloader


# -- tools/train.py: --resume and a config's own load_from ------------------
class _FakeRunner:
    seen = []

    @classmethod
    def from_cfg(cls, cfg):
        cls.seen.append((cfg.get('resume'), cfg.get('load_from')))
        return cls()

    def train(self):
        pass


@pytest.fixture
def train_tool(monkeypatch):
    tool = load_tool('tools/train.py')
    monkeypatch.setattr(tool, 'Runner', _FakeRunner)
    _FakeRunner.seen = []
    return tool


def _staged_cfg(tmp_path, load_from):
    # the weights must exist: tools/train.py checks them before the Runner
    import torch
    os.makedirs(osp.dirname(load_from), exist_ok=True)
    torch.save({'state_dict': {}}, load_from)
    path = tmp_path / 'stage.py'
    path.write_text(f"_base_ = ['{REPO}/tests/data/configs/tiny_erfnet.py']\n"
                    f"load_from = '{load_from}'\n")
    return str(path)


def test_resume_first_run_starts_from_the_config_load_from(
        train_tool, street_data, tmp_path):
    pre = str(tmp_path / 'pre' / 'iter_60000.pth')
    config = _staged_cfg(tmp_path, pre)
    work = tmp_path / 'work'
    train_tool.main([config, '--work-dir', str(work), '--resume',
                     '--cfg-options', *data_root_opts(street_data)])
    assert _FakeRunner.seen == [(False, pre)]


def test_resume_continues_this_run_not_the_config_load_from(
        train_tool, street_data, tmp_path):
    import torch

    from mmseg_efficient.utils import build_segmentor, load_config
    config = _staged_cfg(tmp_path, str(tmp_path / 'pre' / 'iter_60000.pth'))
    work = tmp_path / 'work'
    work.mkdir()
    # a checkpoint of this model (--resume refuses one of another model)
    model = build_segmentor(load_config(config), drop_auxiliary=False)
    torch.save({'meta': {}, 'state_dict': model.state_dict()},
               str(work / 'iter_4.pth'))
    train_tool.main([config, '--work-dir', str(work), '--resume',
                     '--cfg-options', *data_root_opts(street_data)])
    assert _FakeRunner.seen == [(True, str(work / 'iter_4.pth'))]


def test_resume_from_load_from_given_on_the_command_line(
        train_tool, street_data, tmp_path):
    """mmengine's meaning is kept for --cfg-options load_from=CKPT."""
    import torch

    from mmseg_efficient.utils import build_segmentor, load_config
    config = _staged_cfg(tmp_path, str(tmp_path / 'pre' / 'iter_60000.pth'))
    # a checkpoint of this model (--resume checks that it fits)
    other = str(tmp_path / 'iter_8.pth')
    model = build_segmentor(load_config(config), drop_auxiliary=False)
    torch.save({'meta': {}, 'state_dict': model.state_dict()}, other)
    work = tmp_path / 'work'
    work.mkdir()
    train_tool.main([config, '--work-dir', str(work), '--resume',
                     '--cfg-options', *data_root_opts(street_data),
                     f'load_from={other}'])
    assert _FakeRunner.seen == [(True, other)]


@pytest.mark.slow
def test_coarse_stage_then_fine_tuning_through_the_tools(street_data,
                                                         tmp_path):
    """ESSNet-D: 2 iterations of the coarse stage on a tiny Cityscapes
    layout, then the fine-tuning config started with --resume (a first run)
    loading that checkpoint through its own load_from."""
    import shutil
    root = str(tmp_path / 'cs')
    shutil.copytree(street_data, root)
    # train_extra / gtCoarse: the street train scenes under coarse names
    for img in glob.glob(osp.join(root, 'leftImg8bit', 'train', '*', '*')):
        city = osp.basename(osp.dirname(img))
        stem = osp.basename(img)[:-len('_leftImg8bit.png')]
        for sub, name in (('leftImg8bit', osp.basename(img)),
                          ('gtCoarse', stem + '_gtCoarse_labelTrainIds.png')):
            dst = osp.join(root, sub, 'train_extra', city)
            src = img if sub == 'leftImg8bit' else osp.join(
                root, 'gtFine', 'train', city,
                stem + '_gtFine_labelTrainIds.png')
            os.makedirs(dst, exist_ok=True)
            shutil.copy(src, osp.join(dst, name))
    small = [*data_root_opts(root), 'train_cfg.max_iters=2',
             'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2',
             'train_dataloader.batch_size=2',
             'train_dataloader.num_workers=0',
             'train_dataloader.persistent_workers=False',
             'val_dataloader.num_workers=0',
             'val_dataloader.persistent_workers=False',
             'train_dataloader.dataset.pipeline.3.scale=(256,128)',
             'train_dataloader.dataset.pipeline.4.crop_size=(64,128)',
             'val_dataloader.dataset.pipeline.1.scale=(256,128)',
             'model.data_preprocessor.size=(64,128)',
             'model.backbone.init_cfg=None']
    coarse_cfg = ('configs/essnet/'
                  'essnet-d_ups_1xb6-75k_cityscapes-coarse-512x1024.py')
    coarse = str(tmp_path / 'coarse')
    proc = run_tool(['tools/train.py', coarse_cfg, '--work-dir', coarse,
                     '--cfg-options', *small])
    assert osp.exists(osp.join(coarse, 'iter_2.pth'))
    # the fine-tuning config with its load_from pointing at this run
    fine = tmp_path / 'fine.py'
    fine.write_text(
        f"_base_ = ['{REPO}/configs/essnet/essnet-d_ups_coarse-pre_1xb6-75k_"
        f"cityscapes-512x1024.py']\nload_from = '{coarse}/iter_2.pth'\n")
    work = str(tmp_path / 'fine')
    proc = run_tool(['tools/train.py', str(fine), '--work-dir', work,
                     '--resume', '--cfg-options',
                     *[o for o in small if 'init_cfg' not in o]])
    log = proc.stdout + proc.stderr
    assert f'Load checkpoint from {coarse}/iter_2.pth' in log
    assert 'Resumed' not in log and 'resumed' not in log
    assert osp.exists(osp.join(work, 'iter_2.pth'))
