# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""configs/segformer_kitti: one config per step of the CV3315 ablation."""
import copy
import functools
import glob
import os.path as osp

import numpy as np
import pytest
import torch
import yaml
from conftest import REPO
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import DefaultScope

import mmseg_efficient  # noqa: F401
from mmseg.registry import MODELS, PARAM_SCHEDULERS
from mmseg_efficient.utils import load_config

DIR = osp.join(REPO, 'configs', 'segformer_kitti')
CONFIGS = sorted(osp.basename(p) for p in glob.glob(osp.join(DIR, '*.py')))
TAIL = '-40k_kitti-375x1242.py'
# the report's §3.3 ablation, in order: (config tricks, paper mIoU of B2)
STEPS = [('', 61.41), ('-cs', 68.31), ('-cs-polyr', 72.34),
         ('-cs-polyr-cb', 74.67), ('-cs-polyr-cb-ohem', 75.98),
         ('-cs-polyr-cb-ohem-ms', 78.12), ('-cs-polyr-cb-ohem-ms-aux', 78.45)]


def _step(tricks, arch='b2'):
    return f'segformer_mit-{arch}_4xb2{tricks}{TAIL}'


@functools.lru_cache(maxsize=None)
def _cfg(name):
    return load_config(osp.join(DIR, name))


def _features(cfg):
    m = cfg.model
    return dict(
        transfer=cfg.load_from is not None and 'cityscapes' in cfg.load_from,
        polyr=cfg.param_scheduler[0]['type'] == 'PolyRestartLR',
        cb=isinstance(m.decode_head.loss_decode.get('class_weight'), str),
        ohem=(m.decode_head.get('sampler') or {}).get('type') ==
        'OHEMPixelSampler',
        ms=cfg.train_dataloader.dataset.pipeline[3]['type'] == 'RandomResize',
        aux=bool(m.get('auxiliary_head')))


def test_each_ablation_step_adds_exactly_its_trick():
    order = ['transfer', 'polyr', 'cb', 'ohem', 'ms', 'aux']
    for i, (tricks, _) in enumerate(STEPS):
        assert _step(tricks) in CONFIGS
        feats = _features(_cfg(_step(tricks)))
        assert [k for k in order if feats[k]] == order[:i], tricks
    for arch in ('b0', 'b5'):
        assert not any(_features(_cfg(_step('', arch))).values())
        assert all(_features(_cfg(_step(STEPS[-1][0], arch))).values())
    full = _cfg(_step(STEPS[-1][0]))
    assert full.model.decode_head.sampler == dict(
        type='OHEMPixelSampler', thresh=0.5, min_kept=10000)
    aux = full.model.auxiliary_head
    assert (aux.type, aux.in_index, aux.loss_decode.loss_weight) == (
        'FCNHead', 1, 0.4)
    assert full.optim_wrapper.optimizer.type == 'AdamW'
    assert full.train_dataloader.dataset.type == 'KittiSemanticDataset'
    for name in CONFIGS:
        if 'kitti' in name and 'cwd' not in name:
            assert name.startswith('segformer_mit-b')


def test_poly_restart_schedule_matches_report():
    cfg = _cfg(_step('-cs-polyr'))
    assert cfg.optim_wrapper.optimizer.lr == 1e-5
    opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=1e-5)
    with DefaultScope.overwrite_default_scope('mmseg'):
        sched = PARAM_SCHEDULERS.build(
            dict(cfg.param_scheduler[0], optimizer=opt))
    lrs = {}
    for i in range(40000):
        lrs[i] = opt.param_groups[0]['lr']
        opt.step()
        sched.step()
    # lr = lr0 * (1 - i / T_i) ** 1.0, T_i = 20000, restarted
    for i in (0, 5000, 19999, 20000, 30000, 39999):
        assert lrs[i] == pytest.approx(1e-5 * (1 - (i % 20000) / 20000))


def _model(name, tmp_path):
    cfg = copy.deepcopy(_cfg(name).model)
    if cfg.type == 'DistillEncoderDecoder':
        assert _cfg(name).model.teacher_checkpoint.startswith('work_dirs/')
        assert osp.isfile(cfg.teacher_config), name
    weights = str(tmp_path / 'w.npy')
    np.save(weights, np.ones(19, dtype=np.float32))
    for head in (cfg.decode_head, cfg.get('auxiliary_head')):
        if head and isinstance(head.loss_decode.get('class_weight'), str):
            head.loss_decode.class_weight = weights
    if 'init_cfg' in cfg.backbone:
        cfg.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope('mmseg'):
        return revert_sync_batchnorm(MODELS.build(cfg)).eval()


@pytest.mark.parametrize('name', [n for n in CONFIGS if 'kitti' in n])
def test_every_output_pixel_depends_on_the_input(name, tmp_path):
    torch.manual_seed(0)
    model = _model(name, tmp_path)
    with torch.no_grad():
        a = model(torch.randn(1, 3, 64, 96), mode='tensor')
        b = model(torch.randn(1, 3, 64, 96), mode='tensor')
    # SegFormer predicts at 1/4, ESSNet at full resolution
    assert a.shape == ((1, 19, 64, 96) if 'essnet' in name else
                       (1, 19, 16, 24))
    assert (a != b).any(dim=1).all()


def test_metafile_lists_every_config():
    meta = yaml.safe_load(open(osp.join(DIR, 'metafile.yaml')))
    names = {m['Name'] for m in meta['Models']}
    assert names == {osp.splitext(n)[0] for n in CONFIGS}
    for m in meta['Models']:
        assert osp.isfile(osp.join(REPO, m['Config']))
