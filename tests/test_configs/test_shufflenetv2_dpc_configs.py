# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""configs/shufflenetv2_dpc: names, the authors' recipe, and a short real
train -> test run."""
import copy
import functools
import glob
import os.path as osp

import pytest
import torch
import yaml
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmseg.registry import MODELS

from conftest import REPO, data_root_opts, run_tool  # noqa: E402
CONFIG_DIR = osp.join(REPO, 'configs', 'shufflenetv2_dpc')
CONFIGS = sorted(
    osp.basename(p) for p in glob.glob(osp.join(CONFIG_DIR, '*.py')))
# The ImageNet -> Cityscapes fine configs; the staged protocol's (COCO
# subset, Cityscapes coarse, fine-tuning from coarse) are
# tests/test_configs/test_pretraining_stages.py's.
STAGES = [c for c in CONFIGS if 'coco' in c or 'coarse' in c]
CITYSCAPES = [c for c in CONFIGS if 'cityscapes' in c and c not in STAGES]


@functools.lru_cache(maxsize=None)
def _cfg(config):
    return Config.fromfile(osp.join(CONFIG_DIR, config))


def _model(config):
    init_default_scope('mmseg')
    cfg = copy.deepcopy(_cfg(config).model)
    cfg.backbone.init_cfg = None  # no download
    return revert_sync_batchnorm(MODELS.build(cfg))


def test_every_variant_has_a_cityscapes_config():
    assert CITYSCAPES == sorted(
        f'{head}_shufflenetv2-1x-os{os}_1xb16-120k_cityscapes-769x769.py'
        for head in ('basic', 'dpc') for os in (16, 8))


@pytest.mark.parametrize('config', CONFIGS)
def test_name_matches_the_model(config):
    cfg = _cfg(config)
    head = 'dpc' if config.startswith('dpc_') else 'basic'
    assert config.startswith(('dpc_', 'basic_'))
    output_stride = 8 if '-os8_' in config else 16
    assert f'-os{output_stride}_' in config
    assert cfg.model.backbone.type == 'ShuffleNetV2Atrous'
    assert cfg.model.backbone.output_stride == output_stride
    assert cfg.model.decode_head.type == {
        'dpc': 'DPCHead', 'basic': 'BasicASPPHead'}[head]
    if head == 'dpc':
        assert cfg.model.decode_head.rate_multiplier == 16 // output_stride
    pre = cfg.model.data_preprocessor
    assert pre.mean == [127.5] * 3 and pre.std == [127.5] * 3  # [-1, 1]
    assert pre.bgr_to_rgb and pre.pad_val == 0 and pre.seg_pad_val == 255


@pytest.mark.parametrize('config', CONFIGS)
def test_builds_and_every_pixel_depends_on_the_input(config):
    model = _model(config).eval()
    with torch.no_grad():
        a = model(torch.randn(1, 3, 64, 64), mode='tensor')
        b = model(torch.randn(1, 3, 64, 64), mode='tensor')
    assert a.shape[:2] == (1, _cfg(config).model.decode_head.num_classes)
    assert (a != b).any(dim=1).all()


@pytest.mark.parametrize('config', CITYSCAPES)
def test_cityscapes_recipe(config):
    cfg = _cfg(config)
    assert cfg.train_dataloader.batch_size == 16
    assert cfg.model.data_preprocessor.size == (769, 769)
    assert cfg.model.backbone.init_cfg.type == 'Pretrained'
    assert cfg.model.backbone.init_cfg.prefix == 'backbone.'
    steps = {t.type: t for t in cfg.train_dataloader.dataset.pipeline}
    assert steps['RandomCrop'].crop_size == (769, 769)
    assert steps['RandomFlip'].prob == 0.5
    assert 'PhotoMetricDistortion' not in steps
    ratios = [w / 2048 for w, _ in steps['RandomChoiceResize'].scales]
    assert ratios == [0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.weight_decay) == ('Adam', 1e-3, 4e-5)
    poly = [s for s in cfg.param_scheduler if s.type == 'PolyLR'][0]
    assert poly.power == 0.9 and poly.eta_min == 0
    assert poly.end == cfg.train_cfg.max_iters == 120000


def test_weight_decay_on_conv_weights_only():
    config = CITYSCAPES[0]
    model = _model(config)
    wrapper = build_optim_wrapper(model, _cfg(config).optim_wrapper)
    decay = {}
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            decay[id(p)] = group['weight_decay']
    modules = dict(model.named_modules())
    seen = set()
    for name, p in model.named_parameters():
        module = modules[name.rsplit('.', 1)[0]]
        if isinstance(module, torch.nn.Conv2d) and name.endswith('weight') \
                and module.groups == 1:
            expected = 4e-5
        else:  # depthwise weights, norm layers, biases
            expected = 0.
        assert decay[id(p)] == expected, name
        seen.add(expected)
    assert seen == {0., 4e-5}


def test_metafile_and_readme_list_every_config():
    with open(osp.join(CONFIG_DIR, 'metafile.yaml')) as f:
        meta = yaml.safe_load(f)
    listed = sorted(osp.basename(m['Config']) for m in meta['Models'])
    assert listed == sorted(CITYSCAPES + STAGES)
    assert len(STAGES) == 6  # 3 stages x 2 heads
    readme = open(osp.join(CONFIG_DIR, 'README.md')).read()
    for config in CONFIGS:
        assert config in readme


@pytest.mark.slow
def test_short_train_then_test(street_data, tmp_path):
    config = ('configs/shufflenetv2_dpc/dpc_shufflenetv2-1x-os16_1xb4-300i_'
              'streetscenes-128x256.py')
    work_dir = str(tmp_path)
    run_tool([
        'tools/train.py', config, '--work-dir', work_dir, '--cfg-options',
        *data_root_opts(street_data), 'train_cfg.max_iters=4',
        'train_cfg.val_interval=4', 'param_scheduler.0.end=4',
        'default_hooks.checkpoint.interval=4'
    ])
    proc = run_tool([
        'tools/test.py', config,
        osp.join(work_dir, 'iter_4.pth'), '--work-dir',
        osp.join(work_dir, 'test'), '--cfg-options',
        *data_root_opts(street_data)
    ])
    assert 'mIoU' in proc.stdout + proc.stderr
