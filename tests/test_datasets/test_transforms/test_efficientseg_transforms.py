# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""EfficientSeg's augmentations on real street-scene arrays."""
import glob
import os.path as osp

import cv2
import mmcv
import numpy as np
import pytest
from mmengine.registry import init_default_scope

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmseg.registry import TRANSFORMS
from mmseg_efficient.utils import load_config

from conftest import REPO  # noqa: E402

init_default_scope('mmseg')


@pytest.fixture(scope='module')
def scene(street_data):
    img_path = sorted(
        glob.glob(osp.join(street_data, 'leftImg8bit', 'train', '*', '*')))[0]
    seg_path = img_path.replace('leftImg8bit', 'gtFine', 1).replace(
        '_leftImg8bit.png', '_gtFine_labelTrainIds.png')
    img = cv2.imread(img_path)
    seg = cv2.imread(seg_path, cv2.IMREAD_UNCHANGED)
    assert img.shape[:2] == seg.shape and len(np.unique(seg)) > 8
    return img, seg


def _results(scene):
    img, seg = scene
    return dict(img=img.copy(), gt_seg_map=seg.copy(),
                seg_fields=['gt_seg_map'], img_shape=img.shape[:2])


def _build(cfg):
    return TRANSFORMS.build(cfg)


def test_jpeg_changes_pixels_never_labels(scene):
    np.random.seed(0)
    t = _build(dict(type='JpegCompression', quality_range=(30, 40)))
    out = t(_results(scene))
    assert out['img'].shape == scene[0].shape and out['img'].dtype == np.uint8
    assert np.abs(out['img'].astype(int) - scene[0]).mean() > 1
    assert np.array_equal(out['gt_seg_map'], scene[1])
    # lower quality, larger error; quality 100 is almost lossless
    errs = {}
    for q in (30, 100):
        r = _build(dict(type='JpegCompression', quality_range=(q, q)))(
            _results(scene))
        errs[q] = np.abs(r['img'].astype(int) - scene[0]).mean()
    assert errs[30] > 2 * errs[100]
    # float images keep their dtype
    r = _results(scene)
    r['img'] = r['img'].astype(np.float32)
    assert t(r)['img'].dtype == np.float32
    with pytest.raises(ValueError, match='quality_range'):
        _build(dict(type='JpegCompression', quality_range=(0, 101)))
    none = _build(dict(type='JpegCompression', prob=0.))(_results(scene))
    assert np.array_equal(none['img'], scene[0])


def test_multiplicative_hue_and_brightness(scene):
    img, seg = scene
    # brightness only: every pixel scaled by one factor in (0.4, 1.6)
    t = _build(dict(type='MultiplicativeColorJitter', hue_range=None))
    for seed in range(5):
        np.random.seed(seed)
        out = t(_results(scene))['img'].astype(float)
        mask = (img > 20) & (img < 150)
        x, y = img[mask].astype(float), out[mask]
        factor = (x * y).sum() / (x * x).sum()  # least squares
        assert 0.4 <= factor <= 1.6
        # uint8 truncation: within 1.5 grey levels of img * factor
        assert np.abs(y - np.clip(x * factor, 0, 255)).max() <= 1.5
    # hue only: factor f multiplies OpenCV's hue (mod 180)
    t = _build(dict(type='MultiplicativeColorJitter', brightness_range=None,
                    hue_range=(1.5, 1.5)))
    out = t(_results(scene))
    assert np.array_equal(out['gt_seg_map'], seg)
    hsv_in = mmcv.bgr2hsv(img).astype(int)
    hsv_out = mmcv.bgr2hsv(out['img']).astype(int)
    colourful = (hsv_in[..., 1] > 120) & (hsv_in[..., 2] > 120)
    assert colourful.sum() > 50
    expected = np.round(hsv_in[..., 0] * 1.5).astype(int) % 180
    diff = np.abs(hsv_out[..., 0] - expected)[colourful]
    assert np.median(np.minimum(diff, 180 - diff)) <= 2
    with pytest.raises(ValueError, match='hue_range'):
        _build(dict(type='MultiplicativeColorJitter', hue_range=(1.6, 0.4)))


def test_rotation_creates_no_label_but_255(scene):
    cfg = load_config(
        osp.join(REPO, 'configs', '_base_', 'datasets', 'minicity.py'))
    rotate = cfg.geometric_augs[0]
    assert rotate.degree == 20 and rotate.seg_pad_val == 255
    t = _build(rotate)
    ids_in = set(np.unique(scene[1]).tolist())
    for seed in range(6):
        np.random.seed(seed)
        out = t(_results(scene))
        ids_out = set(np.unique(out['gt_seg_map']).tolist())
        assert 255 in ids_out and ids_out <= ids_in | {255}
        assert not np.array_equal(out['img'], scene[0])


def test_non_uniform_scale_changes_the_aspect_ratio_within_range(scene):
    t = _build(dict(type='RandomAspectResize', scale=(256, 128)))
    ratios, heights = [], []
    for seed in range(60):
        np.random.seed(seed)
        out = t(_results(scene))
        h, w = out['img'].shape[:2]
        assert out['gt_seg_map'].shape == (h, w)
        assert set(np.unique(out['gt_seg_map'])) <= set(np.unique(scene[1]))
        fh, fw = h / 128, w / 256
        assert 0.75 - 1e-2 <= fh <= 2.0 + 1e-2
        assert max(0.75, fh - 1) - 1e-2 <= fw <= fh + 1 + 1e-2
        ratios.append(fw / fh)
        heights.append(fh)
    # the aspect ratio really changes, both ways
    assert min(ratios) < 0.8 and max(ratios) > 1.25
    assert min(heights) < 1.0 and max(heights) > 1.6


def test_rare_class_crop_holds_the_class(scene):
    img, seg = scene
    counts = np.bincount(seg[seg < 255].ravel(), minlength=19)
    rare = int(np.argmin(np.where(counts > 0, counts, 10**9)))
    t = _build(dict(type='RareClassRandomCrop', crop_size=(32, 48)))
    for seed in range(20):
        np.random.seed(seed)
        out = t(dict(_results(scene), rare_class=rare))
        assert out['img'].shape[:2] == (32, 48)
        assert (out['gt_seg_map'] == rare).any()
    # without the key, or for an absent class, it is mmseg's RandomCrop
    np.random.seed(0)
    assert t(_results(scene))['img'].shape[:2] == (32, 48)
    absent = [c for c in range(19) if counts[c] == 0]
    if absent:
        out = t(dict(_results(scene), rare_class=absent[0]))
        assert out['img'].shape[:2] == (32, 48)


def test_photometric_group_applies_with_probability_0_7(scene):
    cfg = load_config(
        osp.join(REPO, 'configs', '_base_', 'datasets', 'minicity.py'))
    group = cfg.train_pipeline[5]
    assert group.type == 'RandomApply' and group.prob == 0.7
    assert [t.type for t in group.transforms] == [
        'JpegCompression', 'MultiplicativeColorJitter', 'RandomRotate'
    ]
    t = _build(group)
    np.random.seed(0)
    small = dict(img=scene[0][:16, :16].copy(),
                 gt_seg_map=scene[1][:16, :16].copy(),
                 seg_fields=['gt_seg_map'])
    applied = sum(not np.array_equal(t(dict(small))['img'], small['img'])
                  for _ in range(300))
    assert 0.6 < applied / 300 < 0.8
