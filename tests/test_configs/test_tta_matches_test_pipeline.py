# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Issue 8 item 8: for every dataset base, the TTA view at ratio 1.0 without
flip is exactly what the plain test pipeline gives, on images of another
size than the built-in data's (TTA ratios are ratios of the test scale)."""
import glob
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmseg_efficient  # noqa: F401

# full dataset bases; a fragment such as cityscapes_coarse.py (only a
# training split, listed next to a full base) has no test pipeline of its own
BASES = [
    b for b in sorted(
        glob.glob(osp.join(REPO, 'configs', '_base_', 'datasets', '*.py')))
    if 'test_dataloader' in Config.fromfile(b)
]


def test_bases_found():
    assert len(BASES) >= 6


def _write_sample(folder, w, h):
    rng = np.random.default_rng(0)
    img = str(folder / f'img_{w}x{h}.png')
    seg = str(folder / f'seg_{w}x{h}.png')
    cv2.imwrite(img, rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    cv2.imwrite(seg, rng.integers(0, 19, (h, w), dtype=np.uint8))
    return dict(img_path=img, seg_map_path=seg, reduce_zero_label=False,
                seg_fields=[])


def _ratios(tta_pipeline):
    """Scale (W, H) of each resize branch of TestTimeAug."""
    tta = [t for t in tta_pipeline if t['type'] == 'TestTimeAug'][0]
    return [tuple(t['scale']) for t in tta['transforms'][0]]


@pytest.mark.parametrize('base', BASES, ids=osp.basename)
def test_tta_at_ratio_one_is_the_test_pipeline(base, tmp_path):
    from mmcv.transforms import Compose
    cfg = Config.fromfile(base)
    assert cfg.img_ratios.count(1.0) == 1
    # every pipeline starts with mmseg's own image loader (its type name is
    # what mmseg's inference APIs and mmdeploy look up)
    for pipeline in (cfg.train_pipeline, cfg.test_pipeline,
                     cfg.tta_pipeline):
        assert pipeline[0]['type'] == 'LoadImageFromFile'
    with DefaultScope.overwrite_default_scope('mmseg'):
        test = Compose(cfg.test_pipeline)
        tta = Compose(cfg.tta_pipeline)
    # images of other sizes (and aspect ratios) than the built-in data's
    for w, h in [(300, 170), (190, 250)]:
        sample = _write_sample(tmp_path, w, h)
        ref = test(dict(sample))
        views = tta(dict(sample))
        i = cfg.img_ratios.index(1.0) * 2  # (ratio, flip) product order
        assert not views['data_samples'][i].flip
        assert views['data_samples'][i].img_shape == \
            ref['data_samples'].img_shape
        assert torch.equal(views['inputs'][i], ref['inputs'])
        assert views['data_samples'][i].ori_shape == (h, w)
        # the other ratios scale the test scale, not the original image
        ref_h, ref_w = ref['data_samples'].img_shape
        for k, r in enumerate(cfg.img_ratios):
            got_h, got_w = views['data_samples'][2 * k].img_shape
            assert abs(got_h - ref_h * r) <= 1 and abs(got_w - ref_w * r) \
                <= 1, (r, (got_h, got_w), (ref_h, ref_w))
