# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Issue 8 items 3 and 4: data roots with nothing to read, images without
labels and unreadable images stop early, naming the key / folder / file."""
import glob
import hashlib
import importlib.util
import os
import os.path as osp
import shutil

import pytest
from conftest import REPO, TINY_CFG, data_root_opts
from mmengine.config import DictAction
from mmengine.registry import DefaultScope

import mmseg_efficient  # noqa: F401
from mmseg_efficient.datasets.transforms import SegDataError
from mmseg_efficient.utils import check_data_roots, load_config
from mmseg_efficient.utils.config import DataRootError


@pytest.fixture
def data_copy(street_data, tmp_path):
    root = str(tmp_path / 'street_scenes')
    shutil.copytree(street_data, root)
    return root


def _digest(folder):
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            out[osp.relpath(osp.join(root, name), folder)] = 'dir'
        for name in files:
            with open(osp.join(root, name), 'rb') as f:
                out[osp.relpath(osp.join(root, name), folder)] = \
                    hashlib.sha1(f.read()).hexdigest()
    return out


def _cfg(root):
    opts = {}
    for opt in data_root_opts(root):
        key, value = opt.split('=', 1)
        opts[key] = DictAction._parse_iterable(value)
    return load_config(TINY_CFG, opts)


def _check(root, loaders=('train_dataloader', 'val_dataloader')):
    before = _digest(root)
    try:
        check_data_roots(_cfg(root), TINY_CFG, loaders)
    finally:
        assert _digest(root) == before  # the check only reads


def test_clean_data_root_passes(data_copy):
    _check(data_copy)


def test_empty_split_folder(data_copy):
    train = osp.join(data_copy, 'leftImg8bit', 'train')
    shutil.rmtree(train)
    os.makedirs(train)
    with pytest.raises(DataRootError) as info:
        _check(data_copy)
    msg = str(info.value)
    assert 'train_dataloader.dataset.data_root' in msg
    assert "data_prefix.img_path='leftImg8bit/train'" in msg
    assert train in msg and "'_leftImg8bit.png'" in msg
    assert 'the folder is empty' in msg


def test_images_with_another_suffix(data_copy):
    for png in glob.glob(osp.join(data_copy, 'leftImg8bit', 'val', '*', '*')):
        os.rename(png, png.replace('_leftImg8bit.png', '_leftImg8bit.jpg'))
    with pytest.raises(DataRootError) as info:
        _check(data_copy)
    msg = str(info.value)
    assert 'val_dataloader.dataset' in msg and "'_leftImg8bit.png'" in msg
    assert '_leftImg8bit.jpg' in msg and 'val_dataloader.dataset.img_suffix' \
        in msg


def test_missing_split_folder(data_copy):
    shutil.rmtree(osp.join(data_copy, 'gtFine', 'val'))
    with pytest.raises(DataRootError) as info:
        _check(data_copy)
    msg = str(info.value)
    assert "val_dataloader.dataset.data_prefix.seg_map_path='gtFine/val'" \
        in msg
    assert osp.join(data_copy, 'gtFine/val') in msg
    assert 'does not exist' in msg


def test_image_without_label_stops_train_tool_before_training(
        data_copy, tmp_path):
    """Found by tools/train.py before anything is built, for the val split
    too (mmseg would only fail at the first validation)."""
    label = sorted(glob.glob(osp.join(
        data_copy, 'gtFine', 'val', '*', '*_labelTrainIds.png')))[1]
    os.remove(label)
    image = label.replace('gtFine', 'leftImg8bit', 1).replace(
        '_gtFine_labelTrainIds', '_leftImg8bit')
    spec = importlib.util.spec_from_file_location(
        'reliability_train_tool', osp.join(REPO, 'tools', 'train.py'))
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    work_dir = str(tmp_path / 'work')
    before = _digest(data_copy)
    with pytest.raises(DataRootError) as info:
        train.main([TINY_CFG, '--work-dir', work_dir, '--cfg-options',
                    *data_root_opts(data_copy)])
    msg = str(info.value)
    assert '1 of 3 images' in msg and image in msg and label in msg
    assert 'val_dataloader.dataset' in msg
    assert "'_gtFine_labelTrainIds.png'" in msg
    assert not osp.exists(work_dir)
    assert _digest(data_copy) == before


def test_zero_byte_image_names_its_file(data_copy):
    from mmseg.registry import DATASETS
    img = sorted(glob.glob(osp.join(data_copy, 'leftImg8bit', 'train', '*',
                                    '*_leftImg8bit.png')))[0]
    open(img, 'wb').close()
    with DefaultScope.overwrite_default_scope('mmseg'):
        dataset = DATASETS.build(
            dict(
                type='CityscapesDataset',
                data_root=data_copy,
                data_prefix=dict(
                    img_path='leftImg8bit/train',
                    seg_map_path='gtFine/train'),
                # the image loader of every dataset base
                pipeline=_cfg(data_copy).train_pipeline[:2]))
    index = [dataset.get_data_info(i)['img_path']
             for i in range(len(dataset))].index(img)
    with pytest.raises(SegDataError) as info:
        dataset[index]
    assert img in str(info.value) and 'empty (0 bytes)' in str(info.value)
