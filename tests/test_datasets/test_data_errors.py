# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Bad input stops with an error that names the file (or key) at fault."""
import glob
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from conftest import TINY_CFG, data_root_opts, run_tool
from mmengine.registry import DefaultScope

import mmseg_efficient  # noqa: F401
from mmseg_efficient.datasets.transforms import SegDataError

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='CheckSegLabel', num_classes=19),
    dict(type='PackSegInputs'),
]


@pytest.fixture
def data_copy(street_data, tmp_path):
    root = str(tmp_path / 'street_scenes')
    shutil.copytree(street_data, root)
    return root


def _dataset(root, split='train'):
    from mmseg.registry import DATASETS
    with DefaultScope.overwrite_default_scope('mmseg'):
        return DATASETS.build(
            dict(
                type='CityscapesDataset',
                data_root=root,
                data_prefix=dict(
                    img_path=f'leftImg8bit/{split}',
                    seg_map_path=f'gtFine/{split}'),
                pipeline=PIPELINE))


def _index_of(dataset, path):
    for i in range(len(dataset)):
        if dataset.get_data_info(i)['seg_map_path'] == path or \
                dataset.get_data_info(i)['img_path'] == path:
            return i
    raise AssertionError(f'{path} not in the dataset')


def _first(root, pattern):
    return sorted(glob.glob(osp.join(root, '**', pattern),
                            recursive=True))[0]


def test_clean_data_loads(data_copy):
    dataset = _dataset(data_copy)
    sample = dataset[0]
    seg = sample['data_samples'].gt_sem_seg.data
    assert seg.shape[-2:] == sample['inputs'].shape[-2:]


@pytest.mark.slow
def test_missing_data_root_names_the_key_and_path(tmp_path):
    missing = str(tmp_path / 'no_data_here')
    proc = run_tool(['tools/train.py', TINY_CFG, '--work-dir',
                     str(tmp_path / 'w'), '--cfg-options',
                     *data_root_opts(missing)], check=False)
    assert proc.returncode != 0
    assert 'train_dataloader.dataset.data_root' in proc.stderr
    assert missing in proc.stderr
    assert 'does not exist' in proc.stderr


def test_corrupt_image_names_the_file(data_copy):
    img = _first(data_copy, '*_leftImg8bit.png')
    with open(img, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n this is not a picture')
    dataset = _dataset(data_copy)
    with pytest.raises(Exception) as info:
        dataset[_index_of(dataset, img)]
    assert img in str(info.value)


def test_corrupt_label_names_the_file(data_copy):
    label = _first(data_copy, '*_labelTrainIds.png')
    with open(label, 'wb') as f:
        f.write(b'garbage')
    dataset = _dataset(data_copy)
    with pytest.raises(SegDataError, match='Cannot decode') as info:
        dataset[_index_of(dataset, label)]
    assert label in str(info.value)


def test_label_size_mismatch_names_the_file(data_copy):
    label = _first(data_copy, '*_labelTrainIds.png')
    seg = cv2.imread(label, cv2.IMREAD_UNCHANGED)
    cv2.imwrite(label, seg[:-8, :-4])
    dataset = _dataset(data_copy)
    with pytest.raises(SegDataError) as info:
        dataset[_index_of(dataset, label)]
    msg = str(info.value)
    assert label in msg
    h, w = seg.shape
    assert f'{w - 4}x{h - 8}' in msg and f'{w}x{h}' in msg


@pytest.mark.parametrize('bad_id', [19, 33, 254])
def test_label_ids_above_18_name_the_file(data_copy, bad_id):
    label = _first(data_copy, '*_labelTrainIds.png')
    seg = cv2.imread(label, cv2.IMREAD_UNCHANGED)
    seg[0, :3] = bad_id
    seg[1, :3] = 255  # ignore label stays valid
    cv2.imwrite(label, seg)
    dataset = _dataset(data_copy)
    with pytest.raises(SegDataError) as info:
        dataset[_index_of(dataset, label)]
    assert label in str(info.value)
    assert f'[{bad_id}]' in str(info.value)


def test_label_ids_files_are_rejected_as_train_ids(data_copy):
    """Pointing the loader at *_labelIds.png (ids up to 33) is caught."""
    from mmseg.registry import TRANSFORMS
    label = _first(data_copy, '*_gtFine_labelIds.png')
    img = label.replace('gtFine', 'leftImg8bit', 1).replace(
        '_gtFine_labelIds', '_leftImg8bit')
    with DefaultScope.overwrite_default_scope('mmseg'):
        load_img = TRANSFORMS.build(dict(type='LoadImageFromFile'))
        load_ann = TRANSFORMS.build(dict(type='LoadAnnotations'))
        check = TRANSFORMS.build(dict(type='CheckSegLabel', num_classes=19))
    results = load_ann(load_img(
        dict(img_path=img, seg_map_path=label, reduce_zero_label=False,
             seg_fields=[])))
    with pytest.raises(SegDataError, match='labelTrainIds'):
        check(results)


def test_ignore_only_and_valid_ids_pass(data_copy):
    label = _first(data_copy, '*_labelTrainIds.png')
    seg = cv2.imread(label, cv2.IMREAD_UNCHANGED)
    seg[:] = 255
    seg[0, 0] = 18
    cv2.imwrite(label, seg)
    dataset = _dataset(data_copy)
    out = dataset[_index_of(dataset, label)]
    values = np.unique(out['data_samples'].gt_sem_seg.data.numpy())
    assert set(values.tolist()) == {18, 255}


def test_bad_num_classes_is_rejected():
    from mmseg_efficient.datasets.transforms import CheckSegLabel
    with pytest.raises(ValueError, match='num_classes'):
        CheckSegLabel(num_classes=0)


def test_empty_image_names_the_file(data_copy):
    img = _first(data_copy, '*_leftImg8bit.png')
    open(img, 'wb').close()
    dataset = _dataset(data_copy)
    with pytest.raises(SegDataError, match='empty \\(0 bytes\\)') as info:
        dataset[_index_of(dataset, img)]
    assert img in str(info.value)


def test_check_passes_a_sample_without_label():
    """Inference: mmseg drops LoadAnnotations, the check stays and must
    let the label-less sample through unchanged."""
    from mmseg_efficient.datasets.transforms import CheckSegLabel
    sample = dict(img=np.zeros((4, 6, 3), np.uint8), ori_shape=(4, 6))
    assert CheckSegLabel(num_classes=19)(dict(sample)).keys() == \
        sample.keys()
