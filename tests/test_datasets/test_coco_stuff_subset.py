# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""COCOStuffSubsetDataset and the COCO-subset stage of the ShuffleNet V2 +
DPC protocol: 9 Cityscapes classes + background from COCO-Stuff labels, the
image lists of tools/dataset_converters/coco_stuff_subset.py, clear errors."""
import copy
import glob
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmseg.datasets import COCOStuffDataset
from mmseg.registry import DATASETS
from mmseg_efficient.datasets import (CITYSCAPES_COCO_CLASSES,
                                      COCOStuffSubsetDataset)
from mmseg_efficient.datasets.coco_stuff_subset import subset_label_map
from mmseg_efficient.datasets.transforms import SegDataError

from conftest import REPO, load_tool  # noqa: E402

STUFF = COCOStuffDataset.METAINFO['classes']
COCO_CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*coco-subset*.py'),
                       recursive=True) if '_base_' not in p)
H, W = 24, 32


def _id(name):
    return STUFF.index(name)


def _label(*regions):
    """A label of COCO-Stuff ids: ``regions`` are (name or 255, rows)."""
    label = np.full((H, W), _id('road'), np.uint8)
    for name, rows in regions:
        label[rows] = 255 if name == 255 else _id(name)
    return label


# stem -> (label, selected with --min-pixels 100)
SCENES = {
    # 4 rows person + 2 rows car + 2 rows parking meter = 256 px: kept
    '000000000001': (_label(('person', slice(0, 4)), ('car', slice(4, 6)),
                            ('parking meter', slice(6, 8)),
                            ('dog', slice(8, 12)), (255, slice(12, 14))),
                     True),
    # only non-Cityscapes classes: dropped
    '000000000002': (_label(('dog', slice(0, 12)), ('sky-other',
                                                    slice(12, 20))), False),
    # 3 rows of bus = 96 px < 100: dropped
    '000000000003': (_label(('bus', slice(0, 3))), False),
    # stop sign + truck, 5 rows = 160 px: kept
    '000000000004': (_label(('stop sign', slice(0, 2)),
                            ('truck', slice(10, 13))), True),
}


@pytest.fixture(scope='module')
def coco_root(tmp_path_factory):
    """COCO-Stuff 164k as mmseg's converter leaves it (images/, and
    annotations/ with *_labelTrainIds.png), plus the subset lists written by
    tools/dataset_converters/coco_stuff_subset.py --min-pixels 100."""
    root = str(tmp_path_factory.mktemp('coco') / 'coco_stuff164k')
    rng = np.random.RandomState(0)
    for split in ('train2017', 'val2017'):
        os.makedirs(osp.join(root, 'images', split))
        os.makedirs(osp.join(root, 'annotations', split))
        for stem, (label, _) in SCENES.items():
            cv2.imwrite(osp.join(root, 'images', split, stem + '.jpg'),
                        rng.randint(0, 255, (H, W, 3), np.uint8))
            cv2.imwrite(
                osp.join(root, 'annotations', split,
                         stem + '_labelTrainIds.png'), label)
    tool = load_tool('tools/dataset_converters/coco_stuff_subset.py')
    tool.main([root, '--min-pixels', '100'])
    return root


def test_tool_lists_the_images_with_enough_cityscapes_class_pixels(
        coco_root):
    kept = sorted(s for s, (_, keep) in SCENES.items() if keep)
    for split in ('train2017', 'val2017'):
        with open(osp.join(coco_root,
                           f'cityscapes_classes_{split}.txt')) as f:
            assert f.read().split() == kept


def _expected(label, unlabeled_to_background=True):
    out = np.zeros_like(label)
    for i, name in enumerate(CITYSCAPES_COCO_CLASSES):
        out[label == _id(name)] = i + 1
    if not unlabeled_to_background:
        out[label == 255] = 255
    return out


def _val_dataset(config, root, **overrides):
    init_default_scope('mmseg')
    cfg = Config.fromfile(osp.join(REPO, config))
    ds_cfg = copy.deepcopy(cfg.val_dataloader.dataset)
    ds_cfg.update(data_root=root, **overrides)
    return DATASETS.build(ds_cfg)


def test_there_is_a_coco_stage_per_head():
    assert [osp.basename(c).split('_')[0] for c in COCO_CONFIGS] == [
        'basic', 'dpc'
    ]


@pytest.mark.parametrize('unlabeled_to_background', [True, False])
def test_coco_stage_labels_are_9_classes_and_background(
        coco_root, unlabeled_to_background):
    config = COCO_CONFIGS[-1]
    cfg = Config.fromfile(osp.join(REPO, config))
    assert cfg.model.decode_head.num_classes == 10
    dataset = _val_dataset(config, coco_root,
                           unlabeled_to_background=unlabeled_to_background)
    assert dataset.metainfo['classes'] == ('background', ) + \
        CITYSCAPES_COCO_CLASSES
    assert len(dataset.metainfo['palette']) == 10
    stems = [s for s, (_, keep) in SCENES.items() if keep]
    assert len(dataset) == len(stems)
    for i, stem in enumerate(stems):
        gt = dataset[i]['data_samples'].gt_sem_seg.data.numpy()[0]
        expected = _expected(SCENES[stem][0], unlabeled_to_background)
        np.testing.assert_array_equal(gt, expected)
        assert set(np.unique(gt)) <= set(range(10)) | (
            set() if unlabeled_to_background else {255})


def test_coco_stage_train_pipeline_runs(coco_root):
    init_default_scope('mmseg')
    cfg = Config.fromfile(osp.join(REPO, COCO_CONFIGS[0]))
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.data_root = coco_root
    sample = DATASETS.build(ds_cfg)[0]
    gt = sample['data_samples'].gt_sem_seg.data
    assert gt.shape[-2] <= 769 and gt.shape[-1] <= 769
    assert set(np.unique(gt.numpy())) <= set(range(10))


def test_unknown_label_id_is_refused_naming_the_file(coco_root, tmp_path):
    label_dir = tmp_path / 'annotations' / 'val2017'
    img_dir = tmp_path / 'images' / 'val2017'
    os.makedirs(label_dir)
    os.makedirs(img_dir)
    bad = _label(('person', slice(0, 4)))
    bad[20:, :] = 200  # COCO-Stuff has ids 0..170 and 255
    cv2.imwrite(str(img_dir / 'x.jpg'), np.zeros((H, W, 3), np.uint8))
    cv2.imwrite(str(label_dir / 'x_labelTrainIds.png'), bad)
    (tmp_path / 'cityscapes_classes_val2017.txt').write_text('x\n')
    dataset = _val_dataset(COCO_CONFIGS[0], str(tmp_path))
    with pytest.raises(SegDataError, match='x_labelTrainIds.png.*200'):
        dataset[0]


def test_label_map_and_argument_errors():
    label_map = subset_label_map(['car', 'person'])
    assert label_map[_id('car')] == 1 and label_map[_id('person')] == 2
    assert label_map[_id('dog')] == 0 and label_map[255] == 0
    assert len(label_map) == len(STUFF) + 1
    assert 255 not in subset_label_map(['car'], unlabeled_to_background=False)
    with pytest.raises(ValueError, match="'motorbike'"):
        COCOStuffSubsetDataset(classes=['car', 'motorbike'], lazy_init=True)
    with pytest.raises(ValueError, match='metainfo'):
        COCOStuffSubsetDataset(metainfo=dict(classes=['car']),
                               lazy_init=True)
    with pytest.raises(ValueError, match='background'):
        COCOStuffSubsetDataset(classes=['car'], background='car',
                               lazy_init=True)


def test_why_mmseg_coco_stuff_class_subsets_cannot_serve():
    """The reason for the subclass: mmseg's own class subset ignores the
    other classes (255) and has no background class to map them to."""
    with pytest.raises(ValueError, match='not a subset'):
        COCOStuffDataset(metainfo=dict(classes=('background', 'person')),
                         lazy_init=True)
    subset = COCOStuffDataset(metainfo=dict(classes=('person', 'car')),
                              lazy_init=True)
    assert subset.label_map[_id('dog')] == 255
    assert subset.label_map[_id('person')] == 0  # person is class 0 there
