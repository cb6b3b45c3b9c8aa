# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""ESSNet family models and configs (configs/essnet)."""
import copy
import functools
import glob
import os.path as osp

import numpy as np
import pytest
import torch
import yaml
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmseg.registry import MODELS, TRANSFORMS
from mmseg.structures import SegDataSample

from conftest import REPO  # noqa: E402
CONFIG_DIR = osp.join(REPO, 'configs', 'essnet')
CONFIGS = sorted(
    osp.basename(p) for p in glob.glob(osp.join(CONFIG_DIR, '*.py')))
# Every config of the folder tree (gradual_grouping/ included), relative to
# configs/essnet: the metafile lists them all.
ALL_CONFIGS = sorted(
    osp.relpath(p, CONFIG_DIR)
    for p in glob.glob(osp.join(CONFIG_DIR, '**', '*.py'), recursive=True)
    if '_base_' not in p)
SUFFIX = '_1xb6-75k_cityscapes-512x1024.py'
# The models of the thesis (phase 2 of the recipe); the '-1phase-' and
# '-poly-' variants build the same models, '_p1-enc_' the encoders alone.
MODEL_CONFIGS = [c for c in CONFIGS if c.endswith(SUFFIX)]
PHASE1_CONFIGS = [c for c in CONFIGS if '_p1-enc_' in c]


def _name(row):
    """Config file of a thesis row, e.g. 'essnetb-dg2_deconv'."""
    return row + SUFFIX


@functools.lru_cache(maxsize=None)
def _cfg(config):
    return Config.fromfile(osp.join(CONFIG_DIR, config))


@functools.lru_cache(maxsize=None)
def _model(config):
    """The config's segmentor with BN instead of SyncBN, in eval mode."""
    init_default_scope('mmseg')
    model = revert_sync_batchnorm(MODELS.build(_cfg(config).model))
    return model.eval()


def _params(config):
    return sum(p.numel() for name, p in _model(config).named_parameters()
               if not name.startswith('auxiliary_head.'))


def test_every_thesis_row_has_a_config():
    rows = [
        'erfnet_deconv', 'essnetb-d_deconv', 'essneta-d_deconv',
        'essnet-d_ups', 'essnetb-d_ups-nbt', 'essnet-d_trans4x',
        'essnet-d_trans8x', 'essnet-d_nodec', 'essnetb-dg2_ppm',
        'wspdnet-dws2_deconv', 'wspdnet-dws3_deconv'
    ]
    rows += [
        f'essnet{m}-dg{g}{s}_deconv' for m in 'ab' for g in (2, 4, 8)
        for s in ('', 's')
    ]
    rows += [f'essnet-dg{g}_ups' for g in (2, 4)]
    missing = [r for r in rows if _name(r) not in CONFIGS]
    assert not missing


@pytest.mark.parametrize('config', MODEL_CONFIGS)
def test_config_builds_and_runs_at_512x1024(config):
    cfg = _cfg(config)
    text = open(osp.join(CONFIG_DIR, config)).read()
    assert len(text.splitlines()) <= 40
    assert cfg.default_scope == 'mmseg'
    assert 'mmseg_efficient' in cfg.custom_imports['imports']
    assert cfg.train_dataloader.dataset.type == 'CityscapesDataset'
    model = _model(config)
    with torch.no_grad():
        out = model(torch.zeros(1, 3, 512, 1024), mode='tensor')
    # Full-resolution logits, except ESSNet-nodec's 1x1 classifier at 1/8,
    # which the segmentor interpolates (x8) for the loss and prediction.
    size = (64, 128) if cfg.model.decode_head.out_cfg is None else (512, 1024)
    assert out.shape == (1, cfg.model.decode_head.num_classes, *size)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize('larger,smaller,difference', [
    ('essnetb-dg2_deconv', 'essnetb-dg4_deconv', 75_776),
    ('essnetb-dg4_deconv', 'essnetb-dg8_deconv', 37_888),
    ('essneta-dg2_deconv', 'essneta-dg4_deconv', 36_864),
    ('essneta-dg4_deconv', 'essneta-dg8_deconv', 18_432),
    ('essnet-d_ups', 'essnet-dg2_ups', 151_552),
    ('essnet-dg2_ups', 'essnet-dg4_ups', 75_776),
])
def test_group_variant_parameter_differences_match_the_thesis(
        larger, smaller, difference):
    """Table 3.2 / 3.4 / 3.5 differences, which do not depend on how the
    thesis counted (weights only, plain downsamplers, ...)."""
    assert _params(_name(larger)) - _params(_name(smaller)) == difference


@pytest.mark.parametrize('model', ['essnetb', 'essneta'])
@pytest.mark.parametrize('groups', [2, 4, 8])
def test_shuffle_costs_no_parameters(model, groups):
    assert _params(_name(f'{model}-dg{groups}s_deconv')) == _params(
        _name(f'{model}-dg{groups}_deconv'))


def test_erfnet_baseline_matches_the_reference_erfnet_size():
    """The ERFNet config is ERFNet's reference network (encoder + decoder,
    2x2 output): the official PyTorch model (Eromera/erfnet_pytorch) with
    19 classes has 2,064,191 parameters."""
    assert _params(_name('erfnet_deconv')) == 2_064_191


@pytest.mark.parametrize('config', PHASE1_CONFIGS)
def test_phase1_config_predicts_at_one_eighth(config):
    """Phase 1: the encoder and a 1x1 classifier, logits at 1/8 (the loss
    uses labels downsampled to them)."""
    cfg = _cfg(config)
    assert cfg.model.decode_head.type == 'LabelDownsampleHead'
    assert len(open(osp.join(CONFIG_DIR, config)).read().splitlines()) <= 40
    init_default_scope('mmseg')
    model = revert_sync_batchnorm(MODELS.build(cfg.model)).eval()
    with torch.no_grad():
        out = model(torch.zeros(1, 3, 64, 128), mode='tensor')
    assert out.shape == (1, 19, 8, 16)


def _metafile():
    with open(osp.join(CONFIG_DIR, 'metafile.yaml')) as f:
        return {m['Name']: m for m in yaml.safe_load(f)['Models']}


def test_metafile_lists_every_config_with_its_parameter_count():
    models = _metafile()
    assert set(models) == {
        osp.splitext(osp.basename(c))[0]
        for c in ALL_CONFIGS
    }
    from mmseg_efficient.utils import config_complexity
    for config in ALL_CONFIGS:
        entry = models[osp.splitext(osp.basename(config))[0]]
        assert entry['Config'] == f'configs/essnet/{config}'
        # get_flops.py's count: a gradual-grouping config as deployed
        counts = config_complexity(_cfg(config), flops=False)
        counted = counts['params']
        assert entry['Metadata']['Parameters'] == counted, config
        if counts['grouped_convs']:  # fewer than its dense training form
            assert 'gg' in config and counted < _params(config), config
        else:
            assert counted == _params(config), config


def test_metafile_records_the_thesis_numbers_as_claims_not_results():
    """mmseg's metafiles list what a config reproduced: nothing is trained
    here yet, so every Results is empty and the thesis' mIoU is a claim."""
    models = _metafile()
    claims = {}
    for name, entry in models.items():
        assert entry['Results'] == [], name
        assert 'Results Source' not in entry['Metadata']
        if 'Paper Claim' in entry:
            claim = entry['Paper Claim']
            assert claim['Source'].startswith('thesis ')
            assert claim['Dataset'] == 'Cityscapes val'
            claims[name] = claim['Metrics']['mIoU']
    # The thesis' rows (Tables 3.2, 3.4, 3.5, 4.1, §4.2, §4.3).
    assert claims['erfnet_deconv' + SUFFIX[:-3]] == 70.45
    assert claims['essnet-d_ups' + SUFFIX[:-3]] == 68.39
    assert claims['essneta-dg2s_deconv' + SUFFIX[:-3]] == 70.62
    assert len(claims) == 27
    # ESSNet-DG2/DG4 were trained with gradual grouping (Table 3.5): the
    # claim is the gradual-grouping config's, not the grouped-from-scratch.
    assert 'essnet-dg2_ups' + SUFFIX[:-3] not in claims
    assert claims['essnet-dg2_gg-p2_ups' + SUFFIX[:-3]] == 66.10
    assert claims['essnet-dg4_gg-p2_ups' + SUFFIX[:-3]] == 63.80
    # Variants of the recipe and phase-1 encoders claim nothing.
    assert not [n for n in claims if '-1phase-' in n or '-poly-' in n or
                'p1-enc' in n]


def test_bad_variant_in_config_fails_at_build_naming_it():
    cfg = copy.deepcopy(_cfg(_name('essnetb-d_deconv')).model)
    cfg.backbone.variant = 'DG3'
    with pytest.raises(ValueError, match='groups=3'):
        MODELS.build(cfg)
    cfg.backbone.variant = 'DGX'
    with pytest.raises(ValueError, match='DGX'):
        MODELS.build(cfg)
    cfg = copy.deepcopy(_cfg(_name('essnet-d_ups')).model)
    cfg.decode_head.block_cfg.variant = 'DG5'
    with pytest.raises(ValueError, match='groups=5'):
        MODELS.build(cfg)


def _batch(n=2, h=64, w=128, seed=0):
    """Images whose left half is class 0 and right half class 1 (the right
    half brighter), with the matching labels."""
    gen = torch.Generator().manual_seed(seed)
    imgs = torch.randint(0, 100, (n, 3, h, w), generator=gen).float()
    imgs[..., w // 2:] += 120
    label = torch.zeros(1, h, w, dtype=torch.long)
    label[..., w // 2:] = 1
    samples = []
    for _ in range(n):
        sample = SegDataSample(gt_sem_seg=PixelData(data=label.clone()))
        sample.set_metainfo(
            dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
        samples.append(sample)
    return imgs, samples


def _train_model(config, size=(64, 128)):
    """The config's segmentor (BN) padding batches to ``size``."""
    init_default_scope('mmseg')
    cfg = copy.deepcopy(_cfg(config).model)
    cfg.data_preprocessor.size = size
    return revert_sync_batchnorm(MODELS.build(cfg))


@pytest.mark.parametrize('config', [
    _name('essnet-d_ups'),
    _name('essnetb-dg2s_deconv'),
])
def test_loss_decreases_with_adam(config):
    torch.manual_seed(0)
    model = _train_model(config)
    model.train()
    optim = torch.optim.Adam(model.parameters(), lr=1e-3)
    imgs, samples = _batch()
    data = model.data_preprocessor(
        dict(inputs=list(imgs), data_samples=samples), True)
    losses = []
    for _ in range(6):
        loss = model(**data, mode='loss')
        total = sum(v for k, v in loss.items() if 'loss' in k)
        optim.zero_grad()
        total.backward()
        optim.step()
        losses.append(total.item())
    assert losses[-1] < losses[0]


def test_auxiliary_head_and_ohem_plug_in():
    """An FCN auxiliary head on the 1/4 stage (in_index=1) and an OHEM
    sampler in the decode head, as in mmseg's configs."""
    init_default_scope('mmseg')
    cfg = copy.deepcopy(_cfg(_name('essnet-dg2_ups')).model)
    cfg.data_preprocessor.size = (64, 128)
    cfg.decode_head.sampler = dict(
        type='OHEMPixelSampler', thresh=0.7, min_kept=1000)
    cfg.auxiliary_head = dict(
        type='FCNHead',
        in_channels=64,
        in_index=1,
        channels=32,
        num_convs=1,
        concat_input=False,
        num_classes=19,
        norm_cfg=dict(type='BN'),
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4))
    model = revert_sync_batchnorm(MODELS.build(cfg)).train()
    imgs, samples = _batch()
    data = model.data_preprocessor(
        dict(inputs=list(imgs), data_samples=samples), True)
    losses = model(**data, mode='loss')
    assert {'decode.loss_ce', 'aux.loss_ce'} <= set(losses)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert model.decode_head.sampler is not None


@pytest.mark.parametrize('config', [
    _name('essnet-d_nodec'),
    _name('essnetb-dg4_ppm'),
    _name('wspdnet-dws3_deconv'),
])
def test_predict_and_tta(config):
    """EncoderDecoder.predict resizes to the original image and
    SegTTAModel merges a flipped view."""
    init_default_scope('mmseg')
    model = _model(config)
    h, w = 48, 96
    img = torch.randint(0, 255, (3, h, w), dtype=torch.uint8)

    def sample(flip):
        s = SegDataSample()
        s.set_metainfo(
            dict(
                img_path='street.png',
                img_shape=(h, w),
                ori_shape=(h, w),
                flip=flip,
                flip_direction='horizontal' if flip else None))
        return s

    with torch.no_grad():
        pred = model.test_step(dict(inputs=[img], data_samples=[sample(0)]))
        assert pred[0].pred_sem_seg.shape == (h, w)
        assert pred[0].seg_logits.data.shape == (19, h, w)
        tta = MODELS.build(dict(type='SegTTAModel', module=model))
        merged = tta.test_step(
            dict(
                inputs=[[img], [img.flip(-1)]],
                data_samples=[[sample(False)], [sample(True)]]))
    assert merged[0].pred_sem_seg.shape == (h, w)


def test_random_translate_shifts_image_and_labels_together():
    transform = TRANSFORMS.build(dict(type='RandomTranslate', max_shift=3))
    img = np.random.randint(0, 255, (20, 30, 3), dtype=np.uint8)
    seg = np.random.randint(0, 19, (20, 30), dtype=np.uint8)
    shifts = set()
    for seed in range(20):
        np.random.seed(seed)
        out = transform(
            dict(
                img=img.copy(),
                gt_seg_map=seg.copy(),
                seg_fields=['gt_seg_map']))
        assert out['img'].shape == img.shape
        # Recover the shift from the label's ignore border.
        valid = out['gt_seg_map'] != 255
        rows, cols = np.nonzero(valid)
        dy = rows.min() if rows.min() > 0 else -(19 - rows.max())
        dx = cols.min() if cols.min() > 0 else -(29 - cols.max())
        assert abs(dx) <= 3 and abs(dy) <= 3
        shifts.add((dx, dy))
        ys = slice(max(dy, 0), 20 + min(dy, 0))
        xs = slice(max(dx, 0), 30 + min(dx, 0))
        src_y = slice(max(-dy, 0), 20 - max(dy, 0))
        src_x = slice(max(-dx, 0), 30 - max(dx, 0))
        assert np.array_equal(out['gt_seg_map'][ys, xs], seg[src_y, src_x])
        assert np.array_equal(out['img'][ys, xs], img[src_y, src_x])
        assert (out['img'][~valid] == 0).all()
    assert len(shifts) > 5


def test_thesis_pipelines_run_on_cityscapes_layout_data(street_data):
    """The recipe's train pipeline (scale, crop, flips, translation) and its
    test and TTA pipelines load a Cityscapes-layout dataset."""
    from mmseg.registry import DATASETS
    cfg = _cfg(_name('essnet-d_ups'))
    train = copy.deepcopy(cfg.train_dataloader.dataset)
    train.update(data_root=street_data)
    sample = DATASETS.build(train)[0]
    h, w = sample['inputs'].shape[1:]
    assert h <= 512 and w <= 1024
    assert sample['data_samples'].gt_sem_seg.shape == (h, w)
    test = copy.deepcopy(cfg.test_dataloader.dataset)
    test.update(data_root=street_data)
    sample = DATASETS.build(test)[0]
    # Street images are 256x128: inference scale 1024x512.
    assert sample['inputs'].shape[1:] == (512, 1024)
    test.update(pipeline=cfg.tta_pipeline)
    views = DATASETS.build(test)[0]
    assert len(views['inputs']) == 2 * len(cfg.img_ratios)
