# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""NDNet configs (configs/ndnet): counts against the authors' code, the
training recipe, the auxiliary head, a short real train -> test run."""
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

CONFIG_DIR = osp.join(REPO, 'configs', 'ndnet')
CONFIGS = sorted(
    osp.basename(p) for p in glob.glob(osp.join(CONFIG_DIR, '*.py')))
SUFFIX = '_1xb16-80k_cityscapes-1024x1024.py'


def _name(row):
    return f'fcn32_{row}{SUFFIX}'


@functools.lru_cache(maxsize=None)
def _cfg(config):
    return Config.fromfile(osp.join(CONFIG_DIR, config))


@functools.lru_cache(maxsize=None)
def _model(config):
    init_default_scope('mmseg')
    return revert_sync_batchnorm(MODELS.build(_cfg(config).model)).eval()


def _params(config, aux=False):
    return sum(p.numel() for name, p in _model(config).named_parameters()
               if aux or not name.startswith('auxiliary_head.'))


def test_every_table_ii_row_has_a_config():
    rows = [f'ndnet{d}{e}' for d in (29, 45, 61) for e in ('', '-e2')]
    rows.append('ndnet29-wide')
    assert not [r for r in rows if _name(r) not in CONFIGS]
    assert _model(_name('ndnet45-e2')).backbone.expansion == 2


# backbone + FCN32 head, and with the auxiliary head (= the authors' own
# ptflops counts 550.42K / 420.19K / 323.33K / 3.46M); paper Table II says
# 515K / 386K / 292K / 3.505M, which no variant of the code reproduces.
@pytest.mark.parametrize('row,params,with_aux', [
    ('ndnet29', 521_411, 550_422),
    ('ndnet45', 399_947, 420_190),
    ('ndnet61', 307_475, 323_334),
    ('ndnet29-wide', 3_384_331, 3_457_182),
])
def test_counts_match_the_authors_code_exactly(row, params, with_aux):
    assert _params(_name(row)) == params
    assert _params(_name(row), aux=True) == with_aux


@pytest.mark.parametrize('config', CONFIGS)
def test_every_output_pixel_depends_on_the_input(config):
    cfg = _cfg(config)
    assert cfg.default_scope == 'mmseg'
    assert 'mmseg_efficient' in cfg.custom_imports['imports']
    model = _model(config)
    with torch.no_grad():
        a = model(torch.randn(1, 3, 64, 64), mode='tensor')
        b = model(torch.randn(1, 3, 64, 64), mode='tensor')
    assert a.shape == (1, 19, 2, 2)
    assert ((a - b).abs().amax(dim=1) > 0).all()


def test_cityscapes_recipe():
    cfg = _cfg(_name('ndnet45'))
    assert cfg.train_dataloader.batch_size == 16
    assert cfg.train_cfg.max_iters == 80_000
    (sched, ) = cfg.param_scheduler
    assert sched.type == 'MultiStepLR' and sched.gamma == 0.1
    assert sched.milestones == [35_000, 60_000]
    pipeline = {t['type']: t for t in cfg.train_dataloader.dataset.pipeline}
    assert pipeline['RandomCrop']['crop_size'] == (1024, 1024)
    assert [s[1] for s in pipeline['RandomChoiceResize']['scales']
            ] == [768, 1024, 1280, 1536, 2048]
    assert pipeline['RandomFlip']['prob'] == 0.5
    assert cfg.model.data_preprocessor.mean == [127.5] * 3
    assert cfg.model.data_preprocessor.std == [127.5] * 3


def test_weight_decay_on_conv_weights_only():
    cfg = _cfg(_name('ndnet29'))
    model = copy.deepcopy(_model(_name('ndnet29')))
    wrapper = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
    optimizer = wrapper.optimizer
    assert type(optimizer).__name__ == 'SGD'
    assert optimizer.defaults['lr'] == 0.1
    assert optimizer.defaults['momentum'] == 0.9
    decayed = {
        id(p)
        for g in optimizer.param_groups if g['weight_decay'] == 5e-4
        for p in g['params']
    }
    rest = {
        id(p)
        for g in optimizer.param_groups if g['weight_decay'] == 0
        for p in g['params']
    }
    convs = {
        id(m.weight)
        for m in model.modules() if isinstance(m, torch.nn.Conv2d)
    }
    assert decayed == convs
    assert rest == {id(p) for p in model.parameters()} - convs


def test_auxiliary_head_is_training_only():
    """The aux head (block 2, 1/16, separable to 128, loss weight 0.4) adds
    a loss and never touches the prediction."""
    model = copy.deepcopy(_model(_name('ndnet61')))
    aux = model.auxiliary_head
    assert aux.in_index == 1 and aux.channels == 128
    assert aux.loss_decode.loss_weight == 0.4
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        before = model(x, mode='tensor')
        for p in aux.parameters():
            p.add_(1.)
        assert torch.equal(model(x, mode='tensor'), before)


def test_metafile_lists_every_cityscapes_config_with_its_count():
    with open(osp.join(CONFIG_DIR, 'metafile.yaml')) as f:
        models = {m['Name']: m for m in yaml.safe_load(f)['Models']}
    cityscapes = [c for c in CONFIGS if c.endswith(SUFFIX)]
    assert set(models) == {osp.splitext(c)[0] for c in cityscapes}
    for config in cityscapes:
        entry = models[osp.splitext(config)[0]]
        assert entry['Config'] == f'configs/ndnet/{config}'
        assert entry['Metadata']['Parameters'] == _params(config)


@pytest.mark.slow
def test_street_config_trains_and_tests_through_the_tools(
        street_data, tmp_path):
    config = 'configs/ndnet/fcn32_ndnet61_1xb4-300i_streetscenes-128x256.py'
    opts = data_root_opts(street_data) + [
        'train_cfg.max_iters=4', 'default_hooks.checkpoint.interval=4',
        'train_dataloader.batch_size=2'
    ]
    # validation through tools/test.py only
    run_tool([
        'tools/train.py', config, '--work-dir',
        str(tmp_path), '--cfg-options', 'train_cfg.val_begin=5', *opts
    ])
    proc = run_tool([
        'tools/test.py', config,
        str(tmp_path / 'iter_4.pth'), '--work-dir',
        str(tmp_path), '--cfg-options', *opts
    ])
    assert 'mIoU' in proc.stdout + proc.stderr
