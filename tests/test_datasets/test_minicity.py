# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Minicity: the converter and the ``_base_`` dataset config on a tiny
Minicity-layout folder (flat split folders, labelIds only)."""
import glob
import importlib.util
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmseg.registry import DATASETS
from mmseg_efficient.datasets import convert_minicity
from mmseg_efficient.utils import load_config

from conftest import REPO  # noqa: E402

init_default_scope('mmseg')
BASE = osp.join(REPO, 'configs', '_base_', 'datasets', 'minicity.py')


def make_minicity(street_root, out):
    """Minicity layout from Cityscapes-layout street scenes: flat split
    folders, only ``*_gtFine_labelIds.png``, a ``test`` split without
    labels. Returns {stem: path of the reference labelTrainIds file}."""
    refs = {}
    for split in ('train', 'val'):
        for img in glob.glob(
                osp.join(street_root, 'leftImg8bit', split, '*', '*.png')):
            stem = osp.basename(img)[:-len('_leftImg8bit.png')]
            gt = osp.join(osp.dirname(img.replace('leftImg8bit', 'gtFine',
                                                  1)), stem)
            for sub, src, suffix in (
                    ('leftImg8bit', img, '_leftImg8bit.png'),
                    ('gtFine', gt + '_gtFine_labelIds.png',
                     '_gtFine_labelIds.png')):
                os.makedirs(osp.join(out, sub, split), exist_ok=True)
                shutil.copy(src, osp.join(out, sub, split, stem + suffix))
            refs[stem] = gt + '_gtFine_labelTrainIds.png'
            if split == 'val':
                os.makedirs(osp.join(out, 'leftImg8bit', 'test'),
                            exist_ok=True)
                shutil.copy(img, osp.join(out, 'leftImg8bit', 'test',
                                          stem + '_leftImg8bit.png'))
    return refs


@pytest.fixture
def minicity(street_data, tmp_path):
    root = str(tmp_path / 'minicity')
    refs = make_minicity(street_data, root)
    return root, refs


def test_converter_writes_train_ids(minicity):
    root, refs = minicity
    assert not glob.glob(osp.join(root, 'gtFine', '*', '*TrainIds.png'))
    assert convert_minicity(root) == len(refs) == 11
    for stem, ref in refs.items():
        split = 'train' if glob.glob(
            osp.join(root, 'gtFine', 'train', stem + '*')) else 'val'
        out = osp.join(root, 'gtFine', split,
                       stem + '_gtFine_labelTrainIds.png')
        assert np.array_equal(
            cv2.imread(out, cv2.IMREAD_UNCHANGED),
            cv2.imread(ref, cv2.IMREAD_UNCHANGED))
    assert convert_minicity(root) == 0  # existing files are kept
    assert convert_minicity(root, overwrite=True) == 11
    with pytest.raises(FileNotFoundError, match='labelIds'):
        convert_minicity(root, splits=('test', ))


def test_base_config_serves_minicity(minicity):
    root, _ = minicity
    convert_minicity(root)
    cfg = load_config(BASE)
    cfg.train_dataloader.dataset.dataset.data_root = root
    cfg.val_dataloader.dataset.data_root = root
    train = DATASETS.build(cfg.train_dataloader.dataset)
    val = DATASETS.build(cfg.val_dataloader.dataset)
    assert len(train.dataset) == 8 and len(val) == 3
    assert len(train) == 8 + 20 * len(train.sampled_classes)
    assert osp.isfile(osp.join(root, 'gtFine', 'train',
                               'class_pixel_index.json'))
    np.random.seed(0)
    for idx in (0, len(train) - 1):  # a base and a rare-class sample
        sample = train[idx]
        assert tuple(sample['inputs'].shape) == (3, 384, 768)
        seg = sample['data_samples'].gt_sem_seg.data
        assert tuple(seg.shape) == (1, 384, 768)
        ids = set(seg.unique().tolist())
        assert ids <= set(range(19)) | {255}
    rare = train.rare_class_of(len(train) - 1)
    assert rare in cfg.rare_classes
    sample = val[0]
    assert tuple(sample['inputs'].shape[1:]) == (512, 1024)


def _cli():
    spec = importlib.util.spec_from_file_location(
        'minicity_converter',
        osp.join(REPO, 'tools', 'dataset_converters', 'minicity.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_converter_cli(minicity, capsys):
    root, refs = minicity
    _cli().main([root])
    assert f'Wrote {len(refs)}' in capsys.readouterr().out
    with pytest.raises(SystemExit, match='not a directory'):
        _cli().main([osp.join(root, 'nope')])
    with pytest.raises(SystemExit, match='labelIds'):
        _cli().main([root, '--splits', 'test'])


def test_converter_refuses_labels_that_hold_train_ids(minicity, capsys):
    root, refs = minicity
    # labelIds files that were converted already (they hold train ids)
    for stem, ref in refs.items():
        for split in ('train', 'val'):
            dst = osp.join(root, 'gtFine', split,
                           stem + '_gtFine_labelIds.png')
            if osp.isfile(dst):
                shutil.copy(ref, dst)
    folder = osp.join(root, 'gtFine', 'train')
    with pytest.raises(SystemExit) as info:
        _cli().main([root])
    msg = str(info.value)
    assert 'LabelFormatError' in msg and folder in msg
    assert 'train ids' in msg
    assert not glob.glob(osp.join(root, 'gtFine', '*', '*TrainIds.png'))
    assert 'Wrote' not in capsys.readouterr().out
