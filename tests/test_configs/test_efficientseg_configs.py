# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""configs/efficientseg: every config builds, every output pixel depends on
the input, the recipe, the metafile, and a short train -> TTA test run."""
import glob
import os.path as osp
import shutil

import pytest
import torch
import yaml
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmseg.registry import MODELS
from mmseg_efficient.utils import check_data_roots, load_config

from conftest import REPO, run_tool  # noqa: E402

CONFIG_DIR = osp.join(REPO, 'configs', 'efficientseg')
CONFIGS = sorted(
    osp.basename(p) for p in glob.glob(osp.join(CONFIG_DIR, '*.py')))
STREET = 'efficientseg-w0.5_1xb4-300i_streetscenes-128x256.py'


def _cfg(name):
    return load_config(osp.join(CONFIG_DIR, name))


def test_the_deliverable_configs_exist():
    assert set(CONFIGS) >= {
        'efficientseg-w1.5_1xb4-28.5k_minicity-384x768.py',
        'efficientseg-w6.0_1xb4-28.5k_minicity-384x768.py',
        'efficientseg-w6.0-notex_1xb4-28.5k_minicity-384x768.py',
        'efficientseg-w1.5_1xb4-80k_cityscapes-384x768.py', STREET,
        'efficientseg-w0.5-notex_1xb4-300i_streetscenes-128x256.py'
    }


def test_every_output_pixel_depends_on_the_input():
    init_default_scope('mmseg')
    seen = set()
    for name in CONFIGS:
        model_cfg = _cfg(name).model
        key = repr(model_cfg.to_dict())
        if key in seen:  # the ablations share their arm's model
            continue
        seen.add(key)
        model = revert_sync_batchnorm(MODELS.build(model_cfg)).eval()
        torch.manual_seed(0)
        with torch.no_grad():
            a = model(torch.rand(1, 3, 64, 64), mode='tensor')
            b = model(torch.rand(1, 3, 64, 64), mode='tensor')
        assert a.shape == (1, 19, 64, 64), name
        assert (a != b).any(dim=1).all(), name
        del model


def test_recipe():
    cfg = _cfg('efficientseg-w1.5_1xb4-28.5k_minicity-384x768.py')
    assert cfg.model.backbone.width == cfg.model.decode_head.width == 1.5
    assert cfg.crop_size == (384, 768)
    assert cfg.train_dataloader.batch_size == 4
    assert cfg.optim_wrapper.optimizer == dict(
        type='Adam', lr=1e-3, betas=(0.9, 0.999), weight_decay=1e-6)
    sched, = cfg.param_scheduler
    assert sched.type == 'MultiStepLR' and sched.gamma == 0.1
    assert sched.milestones == [cfg.train_cfg.max_iters * 2 // 3]
    wrapper = cfg.train_dataloader.dataset
    assert wrapper.type == 'RareClassOversampledDataset'
    assert wrapper.num_extra == 20
    assert wrapper.rare_classes == [3, 4, 5, 12, 14, 15, 16, 17, 18]
    # flip-only TTA at the test scale: the image and its mirror
    tta = cfg.tta_pipeline[1].transforms
    assert len(tta[0]) == 1 and [t.prob for t in tta[1]] == [0., 1.]
    notex = _cfg('efficientseg-w6.0-notex_1xb4-28.5k_minicity-384x768.py')
    types = [t.type for t in notex.train_dataloader.dataset.dataset.pipeline]
    assert 'JpegCompression' not in str(notex.train_dataloader)
    assert 'MultiplicativeColorJitter' not in str(notex.train_dataloader)
    assert types == [t.type for t in wrapper.dataset.pipeline]
    city = _cfg('efficientseg-w1.5_1xb4-80k_cityscapes-384x768.py')
    assert city.train_dataloader.dataset.dataset.data_root == \
        'data/cityscapes/'
    assert city.param_scheduler[0].milestones == [53333]


def test_missing_data_root_names_the_nested_key(tmp_path):
    cfg = _cfg('efficientseg-w1.5_1xb4-28.5k_minicity-384x768.py')
    cfg.train_dataloader.dataset.dataset.data_root = str(tmp_path / 'no')
    with pytest.raises(FileNotFoundError,
                       match=r'train_dataloader\.dataset\.dataset\.data_root'):
        check_data_roots(cfg, 'x.py', ('train_dataloader', ))


def test_metafile_and_readme_list_every_config():
    with open(osp.join(CONFIG_DIR, 'metafile.yaml')) as f:
        meta = yaml.safe_load(f)
    names = {m['Name'] for m in meta['Models']}
    assert names == {c[:-3] for c in CONFIGS}
    for m in meta['Models']:
        assert osp.isfile(osp.join(REPO, m['Config']))
    readme = open(osp.join(CONFIG_DIR, 'README.md')).read()
    for name in CONFIGS:
        assert name in readme


def _params_on_meta(name):
    """All parameters of a config's segmentor (auxiliary head excluded),
    built on the meta device (no memory, even at width 6.0)."""
    cfg = _cfg(name)
    cfg.model.pop('auxiliary_head', None)
    init_default_scope('mmseg')
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    return sum(p.numel() for p in model.parameters())


def test_readme_params_are_the_configs_counts():
    """The params column of the README's results table is each config's
    count (which tests/test_models/test_decode_heads/
    test_efficientseg_head.py pins to the authors' code)."""
    import re
    readme = open(osp.join(CONFIG_DIR, 'README.md')).read()
    rows = re.findall(r'^\| \[(efficientseg[^\]]+\.py)\]\([^)]*\) \|'
                      r'(?:[^|]*\|){3} ([\d,]+) \|', readme, flags=re.M)
    assert len(rows) == 3
    for name, params in rows:
        assert int(params.replace(',', '')) == _params_on_meta(name), name


@pytest.mark.slow
def test_train_then_flip_tta_test(street_data, tmp_path):
    street_data = shutil.copytree(street_data, str(tmp_path / 'street'))
    cfg = osp.join('configs', 'efficientseg', STREET)
    opts = [
        f'train_dataloader.dataset.dataset.data_root={street_data}',
        f'val_dataloader.dataset.data_root={street_data}',
        f'test_dataloader.dataset.data_root={street_data}',
        'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
        'test_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.persistent_workers=False',
        'test_dataloader.persistent_workers=False',
        'train_dataloader.dataset.num_extra=1', 'train_cfg.max_iters=4',
        'train_cfg.val_interval=4', 'default_hooks.checkpoint.interval=4',
        'default_hooks.logger.interval=1'
    ]
    work = str(tmp_path / 'work')
    run_tool(['tools/train.py', cfg, '--work-dir', work, '--cfg-options',
              *opts])
    assert osp.isfile(osp.join(street_data, 'gtFine', 'train',
                               'class_pixel_index.json'))
    proc = run_tool(['tools/test.py', cfg, osp.join(work, 'iter_4.pth'),
                     '--tta', '--work-dir', str(tmp_path / 'test'),
                     '--cfg-options', *opts])
    assert 'mIoU' in proc.stdout + proc.stderr
