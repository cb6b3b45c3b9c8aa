# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The thesis' training recipe in the configs: ENet class weights, the two
phases (phase 2 loads phase 1's encoder), the schedule bases, the named
one-phase / poly variants."""
import copy
import functools
import glob
import math
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmseg.registry import MODELS

from conftest import REPO, data_root_opts, run_tool  # noqa: E402
from helpers.checkpoint_keys import prefixed_shapes  # noqa: E402

CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                       recursive=True) if '_base_' not in p)
# a fixed iteration, or that run's latest checkpoint (``last_checkpoint``)
CHECKPOINT = re.compile(
    r'^work_dirs/([^/]+)/(?:iter_(\d+)\.pth|last_checkpoint)$')


@functools.lru_cache(maxsize=None)
def _cfg(config):
    return Config.fromfile(osp.join(REPO, config))


def _is_cityscapes(cfg):
    loader = cfg.get('train_dataloader') or {}
    return 'cityscapes' in (loader.get('dataset') or {}).get('data_root', '')


def _essnet_family(cfg):
    """ESSNet thesis models: the ERFNet/ESSNet/WSPD-Net backbones."""
    backbone = (cfg.get('model') or {}).get('backbone') or {}
    return backbone.get('type') in ('ERFNetEncoder', 'ESSNetB', 'ESSNetA',
                                    'WSPDNet')


def _init_checkpoint(cfg):
    init = cfg.model.backbone.get('init_cfg') or {}
    return init.get('checkpoint')


ESSNET = [c for c in CONFIGS if _essnet_family(_cfg(c))]
CITYSCAPES_ESSNET = [c for c in ESSNET if _is_cityscapes(_cfg(c))]
# ESSNet-family configs whose encoder starts from a phase-1 run of ours (the
# '-in1k-pre' ones start from an ImageNet classifier of configs/pretrain,
# tests/test_configs/test_pretrain_configs.py)
PHASE2 = [
    c for c in ESSNET
    if str(_init_checkpoint(_cfg(c)) or '').startswith('work_dirs/')
    and '-in1k-pre_' not in c
]
SCHEDULES = osp.join(REPO, 'configs', '_base_', 'schedules')


def test_there_are_cityscapes_essnet_configs_and_phase2_configs():
    assert len(CITYSCAPES_ESSNET) > 60
    assert len(PHASE2) > 40


# ERFNet's published decoder-stage class weights for the 19 Cityscapes
# classes (Eromera/erfnet_pytorch, train/main.py, ``enc=False``; its 20th,
# void, is 0), as printed there: ENet weights 1 / ln(1.10 + p_c).
ERFNET_PUBLISHED_WEIGHTS = [
    2.8149201869965, 6.9850029945374, 3.7890393733978, 9.9428062438965,
    9.7702074050903, 9.5110931396484, 10.311357498169, 10.026463508606,
    4.6323022842407, 9.5608062744141, 7.8698215484619, 9.5168733596802,
    10.373730659485, 6.6616044044495, 10.260489463806, 10.287888526917,
    10.289801597595, 10.405355453491, 10.138095855713
]


@pytest.mark.parametrize('config', CITYSCAPES_ESSNET)
def test_every_cityscapes_config_has_the_published_enet_weights(config):
    """Every ESSNet/ERFNet Cityscapes config trains with ERFNet's published
    weights (to the 4 decimals the config writes)."""
    loss = _cfg(config).model.decode_head.loss_decode
    assert loss.class_weight == pytest.approx(ERFNET_PUBLISHED_WEIGHTS,
                                              abs=5e-5), config


def test_enet_weights_reproduce_the_published_weights():
    """``enet_weights`` (what class_stats.py computes for another dataset)
    gives the published weights from the class frequencies they imply,
    void (the rest of ERFNet's 20 classes) included."""
    from mmseg_efficient.datasets.class_weights import enet_weights
    p = [math.exp(1 / w) - 1.10 for w in ERFNET_PUBLISHED_WEIGHTS]
    counts = [q * 1e9 for q in p] + [(1 - sum(p)) * 1e9]
    assert enet_weights(counts, c=1.10)[:19] == pytest.approx(
        ERFNET_PUBLISHED_WEIGHTS, rel=1e-9)


def test_schedule_bases_plateau_is_the_thesis_and_poly_the_variant():
    plateau = Config.fromfile(osp.join(SCHEDULES,
                                       'essnet_adam-plateau-75k.py'))
    (sched, ) = plateau.param_scheduler
    assert sched.type == 'ReduceOnPlateauLR'
    assert sched.factor == 0.5
    assert (sched.monitor, sched.rule) == ('mIoU', 'greater')
    # stepped by ParamSchedulerHook.after_val_epoch only when by_epoch
    assert sched.by_epoch is True
    assert plateau.train_cfg.val_interval < plateau.train_cfg.max_iters
    assert plateau.optimizer.type == 'Adam'
    assert (plateau.optimizer.lr, plateau.optimizer.weight_decay) == (5e-4,
                                                                      2e-4)
    poly = Config.fromfile(osp.join(SCHEDULES, 'essnet_adam-poly-75k.py'))
    assert [s.type for s in poly.param_scheduler] == ['PolyLR']
    assert poly.optimizer == plateau.optimizer


@pytest.mark.parametrize('config', CITYSCAPES_ESSNET)
def test_cityscapes_configs_use_plateau_unless_named_poly(config):
    types = [s['type'] for s in _cfg(config).param_scheduler]
    expected = 'PolyLR' if '-poly-' in config else 'ReduceOnPlateauLR'
    assert types == [expected]


def _phase1_config(checkpoint):
    """The config whose work dir holds ``checkpoint`` and its iteration
    (None for ``last_checkpoint``: whatever that run saved last)."""
    match = CHECKPOINT.match(checkpoint)
    assert match, f'unexpected phase-1 checkpoint path {checkpoint}'
    name = match.group(1)
    iters = int(match.group(2)) if match.group(2) else None
    found = [c for c in CONFIGS if osp.basename(c) == name + '.py']
    assert len(found) == 1, f'no config {name}.py for {checkpoint}'
    return found[0], iters


@functools.lru_cache(maxsize=None)
def _backbone_shapes(config, prefix=''):
    return prefixed_shapes(_cfg(config).model, prefix)


@pytest.mark.parametrize('config', PHASE2)
def test_phase2_encoder_keys_are_exactly_phase1s(config):
    """Phase 2's backbone init_cfg points at the last checkpoint of a
    phase-1 config whose backbone has exactly the same state-dict keys and
    shapes (no missing, no unexpected encoder key); its 1x1 classifier is
    outside the 'backbone.' prefix and dropped."""
    cfg = _cfg(config)
    init = cfg.model.backbone.init_cfg
    assert init.type == 'Pretrained' and init.prefix == 'backbone.'
    phase1, iters = _phase1_config(init.checkpoint)
    p1 = _cfg(phase1)
    assert p1.model.decode_head.type == 'LabelDownsampleHead'
    assert iters in (None, p1.train_cfg.max_iters)  # its last checkpoint
    assert p1.model.get('init_cfg') is None
    assert not p1.model.backbone.get('init_cfg')
    enc1 = _backbone_shapes(phase1, 'backbone.')
    enc2 = _backbone_shapes(config, 'backbone.')
    assert enc1 == enc2


@pytest.mark.parametrize('config', [
    'configs/essnet/essnet-d_ups_1xb6-75k_cityscapes-512x1024.py',
    'configs/essnet/gradual_grouping/'
    'essnet-dg2_gg-p2_ups_1xb6-75k_cityscapes-512x1024.py',
])
def test_phase2_init_weights_loads_every_phase1_encoder_tensor(
        config, tmp_path):
    init_default_scope('mmseg')
    cfg = _cfg(config)
    phase1, _ = _phase1_config(cfg.model.backbone.init_cfg.checkpoint)
    torch.manual_seed(0)
    p1 = MODELS.build(copy.deepcopy(_cfg(phase1).model))
    p1.init_weights()
    ckpt = str(tmp_path / 'phase1.pth')
    torch.save({'state_dict': p1.state_dict()}, ckpt)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.init_cfg.checkpoint = ckpt
    p2 = MODELS.build(model_cfg)
    p2.init_weights()
    enc1 = {
        k[len('backbone.'):]: v
        for k, v in p1.state_dict().items() if k.startswith('backbone.')
    }
    enc2 = p2.backbone.state_dict()
    assert enc1.keys() == enc2.keys()
    assert all(torch.equal(enc1[k], enc2[k]) for k in enc1)


@pytest.mark.parametrize('config', [c for c in CONFIGS if '-1phase-' in c])
def test_one_phase_variant_is_the_thesis_config_without_phase1(config):
    cfg = _cfg(config)
    thesis = _cfg(config.replace('-1phase-', '-'))
    assert not cfg.model.backbone.get('init_cfg')
    assert _init_checkpoint(thesis)
    model, thesis_model = copy.deepcopy(cfg.model), copy.deepcopy(
        thesis.model)
    model.backbone.pop('init_cfg', None)
    thesis_model.backbone.pop('init_cfg')
    assert model == thesis_model
    assert cfg.param_scheduler == thesis.param_scheduler


@pytest.mark.parametrize('config', [c for c in CONFIGS if '-poly-' in c])
def test_poly_variant_is_the_thesis_config_with_poly(config):
    cfg = _cfg(config)
    thesis = _cfg(config.replace('-poly-', '-'))
    assert cfg.model == thesis.model
    assert cfg.train_dataloader == thesis.train_dataloader


def test_every_encoder_of_a_thesis_config_has_a_phase1_config():
    """ESSNetA, ESSNetB (also ESSNet's), ERFNet and WSPD-Net encoders: one
    phase-1 config each, shared by the models with that encoder."""
    phase1 = {
        _phase1_config(_init_checkpoint(_cfg(c)))[0]
        for c in PHASE2 if '_gg-' not in c and _is_cityscapes(_cfg(c))
    }
    names = sorted(osp.basename(c).split('_')[0] for c in phase1)
    variants = ['d', 'dg2', 'dg4', 'dg8', 'dg2s', 'dg4s', 'dg8s']
    assert names == sorted(['erfnet', 'wspdnet-dws2', 'wspdnet-dws3'] +
                           [f'essnet{m}-{v}' for m in 'ab'
                            for v in variants])


@pytest.mark.slow
def test_street_two_phase_runs_through_the_tools(street_data, tmp_path):
    """Phase 1 (encoder on 1/8 labels) then phase 2 loading its checkpoint,
    2 iterations each, through tools/train.py."""
    demo = 'configs/demo/'
    opts = [*data_root_opts(street_data), 'train_cfg.max_iters=2',
            'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2',
            'param_scheduler.0.end=2']
    p1 = str(tmp_path / 'p1')
    run_tool(['tools/train.py',
              demo + 'essnetb-d_p1-enc_1xb4-300i_streetscenes-128x256.py',
              '--work-dir', p1, '--cfg-options', *opts])
    p2 = str(tmp_path / 'p2')
    proc = run_tool([
        'tools/train.py',
        demo + 'essnet-d_p2_ups_1xb4-300i_streetscenes-128x256.py',
        '--work-dir', p2, '--cfg-options', *opts,
        f'model.backbone.init_cfg.checkpoint={p1}/iter_2.pth'
    ])
    log = proc.stdout + proc.stderr
    assert f'load backbone. in model from: {p1}/iter_2.pth' in log
    assert 'missing keys in source state_dict' not in log
    # mmengine's init report (written to the work dir's log file only):
    # every backbone parameter came from phase 1
    (log_file, ) = glob.glob(osp.join(p2, '*', '*.log'))
    with open(log_file) as f:
        log = f.read()
    report = re.findall(r'^(backbone\.\S+) - torch\.Size.*:\s*\n(.*)$', log,
                        re.M)
    assert len(report) > 100
    assert all(line.startswith('PretrainedInit: load from') for _, line in
               report)
    assert osp.exists(osp.join(p2, 'iter_2.pth'))
