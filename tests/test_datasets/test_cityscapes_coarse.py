# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The Cityscapes-coarse pre-training configs find the train_extra images
and their gtCoarse train-id labels (and nothing else) in a tiny
Cityscapes-layout folder, validate on gtFine val, and fail early with the
data-root error when the coarse files are missing or unconverted."""
import copy
import glob
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmseg.registry import DATASETS
from mmseg_efficient.utils import check_data_roots, load_config
from mmseg_efficient.utils.config import DataRootError

from conftest import REPO, load_tool  # noqa: E402

COARSE_CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                       recursive=True)
    if '_base_' not in p and 'cityscapes-coarse' in osp.basename(p))
COARSE_SUFFIX = '_gtCoarse_labelTrainIds.png'
NUM_EXTRA = 3  # of the generated train scenes moved to train_extra


def test_there_are_coarse_configs_for_both_families():
    families = {c.split(osp.sep)[1] for c in COARSE_CONFIGS}
    assert families == {'essnet', 'shufflenetv2_dpc'}
    assert len(COARSE_CONFIGS) >= 4


def _coarsen(label: np.ndarray) -> np.ndarray:
    """Coarse-annotation look: pixels near a class boundary unlabelled."""
    edges = np.zeros(label.shape, bool)
    edges[1:] |= label[1:] != label[:-1]
    edges[:, 1:] |= label[:, 1:] != label[:, :-1]
    edges = cv2.dilate(edges.astype(np.uint8), np.ones((3, 3), np.uint8))
    out = label.copy()
    out[edges > 0] = 255
    return out


@pytest.fixture(scope='module')
def coarse_root(tmp_path_factory):
    """Street scenes in Cityscapes' full layout: 2 fine train images, 3
    train_extra images with gtCoarse labels (train ids, plus the labelIds /
    polygons files Cityscapes ships next to them), 2 fine val images."""
    from mmseg_efficient.datasets.street_scenes import generate_street_scenes
    root = str(tmp_path_factory.mktemp('cs') / 'cityscapes')
    generate_street_scenes(root, num_train=2 + NUM_EXTRA, num_val=2,
                           size=(128, 64), seed=3)
    fine = sorted(glob.glob(osp.join(root, 'leftImg8bit', 'train', '*',
                                     '*_leftImg8bit.png')))
    for img in fine[2:]:
        city = osp.basename(osp.dirname(img))
        stem = osp.basename(img)[:-len('_leftImg8bit.png')]
        img_dir = osp.join(root, 'leftImg8bit', 'train_extra', city)
        gt_dir = osp.join(root, 'gtCoarse', 'train_extra', city)
        os.makedirs(img_dir, exist_ok=True)
        os.makedirs(gt_dir, exist_ok=True)
        shutil.move(img, osp.join(img_dir, osp.basename(img)))
        gt = osp.join(root, 'gtFine', 'train', city, stem)
        label = cv2.imread(gt + '_gtFine_labelTrainIds.png',
                           cv2.IMREAD_UNCHANGED)
        cv2.imwrite(osp.join(gt_dir, stem + COARSE_SUFFIX), _coarsen(label))
        shutil.move(gt + '_gtFine_labelIds.png',
                    osp.join(gt_dir, stem + '_gtCoarse_labelIds.png'))
        os.remove(gt + '_gtFine_labelTrainIds.png')
        with open(osp.join(gt_dir, stem + '_gtCoarse_polygons.json'),
                  'w') as f:
            f.write('{}')
    return root


def _infos(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def _rel(root, path):
    return osp.relpath(path, root).replace(osp.sep, '/')


def _dataset(config, root, split='train'):
    init_default_scope('mmseg')
    cfg = Config.fromfile(osp.join(REPO, config))
    ds_cfg = copy.deepcopy(cfg[f'{split}_dataloader'].dataset)
    ds_cfg.data_root = root
    return DATASETS.build(ds_cfg)


@pytest.mark.parametrize('config', COARSE_CONFIGS)
def test_coarse_stage_pairs_every_train_extra_image_with_its_coarse_label(
        config, coarse_root):
    dataset = _dataset(config, coarse_root)
    assert type(dataset).__name__ == 'CityscapesDataset'
    pairs = sorted((_rel(coarse_root, d['img_path']),
                    _rel(coarse_root, d['seg_map_path']))
                   for d in _infos(dataset))
    expected = []
    for img in glob.glob(osp.join(coarse_root, 'leftImg8bit', 'train_extra',
                                  '*', '*_leftImg8bit.png')):
        city = osp.basename(osp.dirname(img))
        stem = osp.basename(img)[:-len('_leftImg8bit.png')]
        expected.append(
            (_rel(coarse_root, img),
             f'gtCoarse/train_extra/{city}/{stem}{COARSE_SUFFIX}'))
    assert len(expected) == NUM_EXTRA
    assert pairs == sorted(expected)  # no fine image, no other gtCoarse file
    # the sample goes through the family's training pipeline with the coarse
    # label (unlabelled pixels included)
    sample = dataset[0]
    labels = np.unique(sample['data_samples'].gt_sem_seg.data.numpy())
    path = dataset.get_data_info(0)['seg_map_path']
    file_ids = np.unique(cv2.imread(path, cv2.IMREAD_UNCHANGED))
    assert set(labels) <= set(file_ids) and 255 in file_ids


@pytest.mark.parametrize('config', COARSE_CONFIGS)
def test_coarse_stage_validates_on_fine_val(config, coarse_root):
    dataset = _dataset(config, coarse_root, 'val')
    segs = sorted(_rel(coarse_root, d['seg_map_path'])
                  for d in _infos(dataset))
    assert len(segs) == 2
    assert all(s.startswith('gtFine/val/') and
               s.endswith('_gtFine_labelTrainIds.png') for s in segs)


def _opts(root):
    return {
        f'{key}.dataset.data_root': root
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    }


def _check(config, root):
    cfg = load_config(osp.join(REPO, config), _opts(root))
    check_data_roots(cfg, config, ('train_dataloader', 'val_dataloader'))


def test_data_root_check_accepts_the_coarse_layout(coarse_root):
    for config in COARSE_CONFIGS:
        _check(config, coarse_root)


@pytest.fixture
def broken_root(coarse_root, tmp_path):
    root = str(tmp_path / 'cityscapes')
    shutil.copytree(coarse_root, root)
    return root


def test_missing_gtcoarse_folder_is_a_data_root_error(broken_root):
    shutil.rmtree(osp.join(broken_root, 'gtCoarse'))
    config = COARSE_CONFIGS[0]
    with pytest.raises(DataRootError) as err:
        _check(config, broken_root)
    msg = str(err.value)
    assert 'train_dataloader.dataset' in msg
    assert "seg_map_path='gtCoarse/train_extra'" in msg
    assert osp.join(broken_root, 'gtCoarse/train_extra') in msg


def test_unconverted_coarse_labels_are_a_data_root_error(broken_root):
    """gtCoarse as downloaded (polygons, labelIds) without mmseg's
    converter run: no *_gtCoarse_labelTrainIds.png."""
    for path in glob.glob(osp.join(broken_root, 'gtCoarse', '**',
                                   '*' + COARSE_SUFFIX), recursive=True):
        os.remove(path)
    with pytest.raises(DataRootError) as err:
        _check(COARSE_CONFIGS[-1], broken_root)
    msg = str(err.value)
    assert f'{NUM_EXTRA} of {NUM_EXTRA} images' in msg
    assert COARSE_SUFFIX in msg and 'train_extra' in msg


# -- tools/dataset_converters/cityscapes_coarse.py ---------------------------
def test_coarse_converter_writes_train_id_files_next_to_the_polygons(
        tmp_path):
    tool = load_tool('tools/dataset_converters/cityscapes_coarse.py')
    city = tmp_path / 'gtCoarse' / 'train_extra' / 'augsburg'
    city.mkdir(parents=True)
    stems = ['augsburg_000000_000000', 'augsburg_000000_000001']
    for stem in stems:
        (city / f'{stem}_gtCoarse_polygons.json').write_text('{}')
    (city / 'augsburg_000000_000000_gtCoarse_labelIds.png').write_text('')
    calls = []

    def json2label(src, dst, encoding):  # cityscapesscripts' signature
        calls.append((osp.basename(src), osp.basename(dst), encoding))
        open(dst, 'w').close()

    assert tool.convert(str(tmp_path), json2label=json2label) == 2
    assert calls == [(f'{s}_gtCoarse_polygons.json',
                      f'{s}{COARSE_SUFFIX}', 'trainIds') for s in stems]
    # done files are skipped unless --overwrite
    assert tool.convert(str(tmp_path), json2label=json2label) == 0
    assert tool.convert(str(tmp_path), overwrite=True,
                        json2label=json2label) == 2
    with pytest.raises(FileNotFoundError, match='gtCoarse/train'):
        tool.convert(str(tmp_path), splits=['train'], json2label=json2label)
