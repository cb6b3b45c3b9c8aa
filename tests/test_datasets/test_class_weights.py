# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Class-weight formulas and the class_stats tool."""
import json
import math
import os
import os.path as osp

import numpy as np
import pytest

import mmseg_efficient  # noqa: F401  (registration)
from mmseg_efficient.datasets.class_weights import (compute_class_weights,
                                                    effective_number_weights,
                                                    enet_weights,
                                                    inverse_frequency_weights,
                                                    median_frequency_weights)

from conftest import REPO, load_tool  # noqa: E402
DEMO_CFG = osp.join(REPO, 'configs', 'essnet', 'gradual_grouping',
                    'mobilenet-v2-d8-gg2_fcn_1xb4-1k_streetscenes-256x512.py')


def test_class_weight_formulas_hand_computed():
    counts = [70, 20, 10, 0]
    np.testing.assert_allclose(
        enet_weights(counts, c=1.10), [
            1 / math.log(1.8), 1 / math.log(1.3), 1 / math.log(1.2),
            1 / math.log(1.1)
        ])
    np.testing.assert_allclose(
        enet_weights(counts),
        [1.70129753, 3.81149469, 5.48481495, 10.49205869],
        rtol=1e-8)
    np.testing.assert_allclose(
        inverse_frequency_weights(counts), [100 / 280, 1.25, 2.5, 0.0])
    np.testing.assert_allclose(
        median_frequency_weights(counts), [0.2 / 0.7, 1.0, 2.0, 0.0])
    # SegNet's definition: frequency within the images holding the class
    np.testing.assert_allclose(
        median_frequency_weights(counts, image_pixels=[100, 50, 40, 0]),
        [0.4 / 0.7, 1.0, 1.6, 0.0])
    np.testing.assert_allclose(
        effective_number_weights(counts, beta=0.9),
        [0.81697836, 0.92946808, 1.25355356, 0.0],
        rtol=1e-7)
    # effective number: beta -> 0 gives uniform weights
    np.testing.assert_allclose(
        effective_number_weights(counts, beta=0.0), [1, 1, 1, 0])
    allw = compute_class_weights(counts, c=1.2, beta=0.9)
    assert set(allw) == {'enet', 'inverse', 'median', 'effective'}
    np.testing.assert_allclose(allw['enet'][0], 1 / math.log(1.9))
    with pytest.raises(ValueError, match='c=1.0'):
        enet_weights(counts, c=1.0)
    with pytest.raises(ValueError, match='all zero'):
        enet_weights([0, 0])


def test_class_stats_tool(street_data, tmp_path, capsys):
    from PIL import Image
    tool = load_tool('tools/analysis_tools/class_stats.py')
    out = tmp_path / 'stats.json'
    tool.main([
        DEMO_CFG, '--out',
        str(out), '--cfg-options',
        f'train_dataloader.dataset.data_root={street_data}'
    ])
    stats = json.loads(out.read_text())
    expected = np.zeros(19, dtype=np.int64)
    files = []
    for root, _, names in os.walk(osp.join(street_data, 'gtFine', 'train')):
        files += [
            osp.join(root, n) for n in names
            if n.endswith('_labelTrainIds.png')
        ]
    for f in files:
        expected += np.bincount(
            np.asarray(Image.open(f)).ravel(), minlength=256)[:19]
    assert stats['num_images'] == len(files) == 8
    assert stats['counts'] == expected.tolist()
    np.testing.assert_allclose(stats['weights']['enet'],
                               enet_weights(expected, c=1.10))
    assert 'class_weight=[' in capsys.readouterr().out


@pytest.mark.slow
def test_street_class_weights_are_those_of_the_seed0_scenes(tmp_path):
    """The street-scene configs' ENet weights are those of the pixel counts
    of the 300 training scenes that ``generate_street_data.py --num-train
    300`` draws with seed 0 (the counts are pinned by the weights, to the
    4 decimals the base config writes)."""
    from mmengine.config import Config

    from mmseg_efficient.datasets.street_scenes import generate_street_scenes
    root = str(tmp_path / 'street')
    generate_street_scenes(root, num_train=300, num_val=1, seed=0)
    out = tmp_path / 'stats.json'
    load_tool('tools/analysis_tools/class_stats.py').main([
        DEMO_CFG, '--out',
        str(out), '--cfg-options', f'train_dataloader.dataset.data_root={root}'
    ])
    stats = json.loads(out.read_text())
    assert stats['num_images'] == 300
    published = Config.fromfile(DEMO_CFG).street_enet_class_weight
    np.testing.assert_allclose(stats['weights']['enet'], published,
                               atol=5e-5)


def test_class_stats_on_an_efficientseg_config(street_data, tmp_path):
    tool = load_tool('tools/analysis_tools/class_stats.py')
    out = tmp_path / 'stats.json'
    cfg = osp.join(REPO, 'configs', 'efficientseg',
                   'efficientseg-w0.5_1xb4-300i_streetscenes-128x256.py')
    # RareClassOversampledDataset wraps the dataset: each image counted once
    tool.main([cfg, '--out', str(out), '--max-images', '3',
               '--cfg-options',
               f'train_dataloader.dataset.dataset.data_root={street_data}'])
    stats = json.loads(out.read_text())
    assert stats['num_images'] == 3 and sum(stats['counts']) > 0


# ---------------------------------------------------------------------------
# class_weight files: only safe readers, never code from a data file
# ---------------------------------------------------------------------------
class _RunsCode:
    """Unpickling it creates ``self.marker`` (stands in for any command)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))


@pytest.fixture
def evil_files(tmp_path):
    import pickle
    marker = tmp_path / 'marker'
    pkl = tmp_path / 'evil.pkl'
    pkl.write_bytes(pickle.dumps(_RunsCode(str(marker))))
    yml = tmp_path / 'evil.yaml'
    yml.write_text(f'!!python/object/apply:os.system ["touch {marker}"]\n')
    return marker, str(pkl), str(yml)


def _build_loss(class_weight):
    from mmseg.registry import MODELS
    return MODELS.build(dict(type='mmseg.CrossEntropyLoss',
                             class_weight=class_weight))


def test_class_weight_files_never_run_code(evil_files, tmp_path):
    from mmseg_efficient.compat import APPLIED
    from mmseg_efficient.datasets.class_weights import ClassWeightFileError
    from mmseg_efficient.utils import load_config
    marker, pkl, yml = evil_files
    assert 'safe_class_weight_files' in APPLIED
    # wherever mmseg builds a loss
    with pytest.raises(ClassWeightFileError, match=r"evil\.pkl.*refusing"):
        _build_loss(pkl)
    with pytest.raises(ClassWeightFileError,
                       match=r"evil\.yaml.*cannot read weights"):
        _build_loss(yml)
    # and before training/testing, naming the config key
    base = osp.join(REPO, 'tests', 'data', 'configs', 'tiny_erfnet.py')
    key = 'model.decode_head.loss_decode.class_weight'
    for path in (pkl, yml):
        with pytest.raises(ClassWeightFileError) as info:
            load_config(base, {key: path})
        assert f'{key}={path!r}' in str(info.value)
    assert not marker.exists()
    # the safe formats load
    weights = [0.5, 1.0, 2.0]
    np.save(tmp_path / 'w.npy', np.asarray(weights, dtype=np.float32))
    (tmp_path / 'w.json').write_text(json.dumps(weights))
    (tmp_path / 'w.csv').write_text('0.5, 1.0,2.0\n')
    (tmp_path / 'w.txt').write_text('0.5\n1.0\n2.0\n')
    (tmp_path / 'w.yaml').write_text('[0.5, 1.0, 2.0]\n')
    for name in ('w.npy', 'w.json', 'w.csv', 'w.txt', 'w.yaml'):
        assert _build_loss(str(tmp_path / name)).class_weight == weights


def test_object_array_class_weight_named(tmp_path):
    from mmseg_efficient.datasets.class_weights import ClassWeightFileError
    from mmseg_efficient.utils import load_config
    path = str(tmp_path / 'x.npy')
    np.save(path, np.array([{'road': 1.0}, None], dtype=object),
            allow_pickle=True)
    base = osp.join(REPO, 'tests', 'data', 'configs', 'tiny_erfnet.py')
    key = 'model.decode_head.loss_decode.class_weight'
    with pytest.raises(ClassWeightFileError) as info:
        load_config(base, {key: path})
    msg = str(info.value)
    assert f'{key}={path!r}' in msg and 'object array' in msg
    with pytest.raises(ClassWeightFileError, match=r'x\.npy.*object array'):
        _build_loss(path)


def test_class_weight_probe_finds_the_bug_and_leaves_a_fix_alone(
        monkeypatch, tmp_path):
    import pickle

    from mmseg.models.losses import utils as loss_utils

    from mmseg_efficient import compat
    original = loss_utils.get_class_weight.__wrapped__
    harmless = tmp_path / 'w.pkl'
    harmless.write_bytes(pickle.dumps([0.5, 2.0]))
    assert list(original(str(harmless))) == [0.5, 2.0]  # mmseg unpickles

    def fixed(class_weight):
        if isinstance(class_weight, str):
            raise ValueError('pickle files are not read')
        return class_weight

    monkeypatch.setattr(loss_utils, 'get_class_weight', fixed)
    assert compat._probe_class_weight_files() is None
