# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""mmseg's own inference APIs on every segmentation config we ship.

``inference_model`` and ``MMSegInferencer`` find pipeline steps by mmseg's
type names: they drop ``LoadAnnotations`` and swap ``LoadImageFromFile`` for
their own loaders. Every config under ``configs/`` (``_base_`` and the
mmpretrain classifiers of ``configs/pretrain`` excluded) is built with
``init_model`` (random weights) and must return a mask of each input's own
size for a path, an ndarray and a list. The test pipeline's resize is
shrunk so that the walk stays fast; its steps and their types are the
config's.
"""
import copy
import glob
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO
from mmengine.config import Config

import mmseg_efficient  # noqa: F401
from mmseg_efficient.models.utils.config_helpers import \
    drop_class_weight_files

CONFIG_ROOT = osp.join(REPO, 'configs')
SEG_CONFIGS = sorted(
    osp.relpath(path, CONFIG_ROOT)
    for path in glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True)
    if '_base_' not in osp.relpath(path, CONFIG_ROOT).split(osp.sep)
    and not osp.relpath(path, CONFIG_ROOT).startswith('pretrain'))
# odd sizes: neither a multiple of any output stride nor the test scale
SIZES = [(181, 333), (120, 97)]


def test_segmentation_configs_are_found():
    folders = {c.split(osp.sep)[0] for c in SEG_CONFIGS}
    assert {'demo', 'efficientseg', 'essnet', 'ndnet', 'segformer_kitti',
            'shufflenetv2_dpc'} <= folders
    assert len(SEG_CONFIGS) > 100


def small_inference_config(config: str) -> Config:
    """The config with its test resize shrunk (types and order untouched)
    and class-weight files dropped (the files are not in the repository);
    everything an inference API looks at is the config's own."""
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, config))
    # inference_model reads cfg.test_pipeline, MMSegInferencer the test
    # dataloader's copy of it
    for pipeline in (cfg.test_pipeline, cfg.test_dataloader.dataset.pipeline):
        for step in pipeline:
            if step['type'] == 'Resize':
                step['scale'] = (96, 48)
    drop_class_weight_files(cfg.model)
    if cfg.model.get('test_cfg', {}).get('mode') == 'slide':
        cfg.model.test_cfg.crop_size = (32, 48)
        cfg.model.test_cfg.stride = (24, 32)
    for key in ('pretrained', 'teacher_checkpoint'):
        if cfg.model.get(key):
            cfg.model[key] = None
    return cfg


def _image(tmp_path, h, w, seed=0):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    path = str(tmp_path / f'img_{w}x{h}.png')
    cv2.imwrite(path, img)
    return path, img


@pytest.mark.parametrize('config', SEG_CONFIGS)
def test_inference_model_on_every_config(config, tmp_path):
    from mmseg.apis import inference_model, init_model
    cfg = small_inference_config(config)
    pipeline_types = [t['type'] for t in cfg.test_pipeline]
    assert pipeline_types[0] == 'LoadImageFromFile', pipeline_types
    torch.manual_seed(0)
    model = init_model(cfg, device='cpu')
    (h1, w1), (h2, w2) = SIZES
    path, img = _image(tmp_path, h1, w1)
    _, img2 = _image(tmp_path, h2, w2, seed=1)
    # a path (mmseg removes LoadAnnotations; CheckSegLabel sees no label)
    result = inference_model(model, path)
    assert result.pred_sem_seg.data.shape == (1, h1, w1)
    assert result.seg_logits.data.shape[-2:] == (h1, w1)
    # an ndarray, then a list (mmseg stacks a list into one batch: its
    # images must share a size; MMSegInferencer below takes any sizes)
    from_array = inference_model(model, img)
    torch.testing.assert_close(from_array.seg_logits.data,
                               result.seg_logits.data)
    results = inference_model(model, [img2, img2[::-1].copy()])
    assert [r.pred_sem_seg.data.shape for r in results] == [(1, h2, w2)] * 2


@pytest.mark.parametrize('config', SEG_CONFIGS)
def test_mmseg_inferencer_on_every_config(config):
    from mmseg.apis import MMSegInferencer
    cfg = small_inference_config(config)
    inferencer = MMSegInferencer(model=cfg, device='cpu')
    rng = np.random.default_rng(0)
    imgs = [rng.integers(0, 256, (h, w, 3), np.uint8) for h, w in SIZES]
    out = inferencer(imgs, return_datasamples=True)
    assert [o.pred_sem_seg.data.shape for o in out] == [
        (1, h, w) for h, w in SIZES]


def test_inferencer_folder_out_dir_and_show_result(tmp_path):
    """One image, a folder and an ndarray; ``out_dir`` saves the painted
    picture and the label map; ``show_result_pyplot`` paints a file."""
    from mmseg.apis import (MMSegInferencer, inference_model, init_model,
                            show_result_pyplot)
    cfg = small_inference_config(
        'demo/essnet-d_ups_1xb4-600i_streetscenes-128x256.py')
    folder = tmp_path / 'images'
    folder.mkdir()
    paths = [_image(folder, h, w, seed=i)[0] for i, (h, w) in
             enumerate(SIZES)]
    inferencer = MMSegInferencer(model=cfg, device='cpu')
    out_dir = str(tmp_path / 'out')
    result = inferencer(str(folder), out_dir=out_dir)
    # the folder's files in the order they are listed
    assert sorted(p.shape for p in result['predictions']) == sorted(SIZES)
    for path in paths:
        painted = cv2.imread(osp.join(out_dir, 'vis', osp.basename(path)))
        assert painted.shape == cv2.imread(path).shape
    labels = [cv2.imread(f, cv2.IMREAD_UNCHANGED) for f in sorted(
        glob.glob(osp.join(out_dir, 'pred', '*_pred.png')))]
    assert sorted(label.shape for label in labels) == sorted(SIZES)
    assert all(label.max() < 19 for label in labels)
    single = inferencer(paths[0], return_datasamples=True)
    assert single.pred_sem_seg.data.shape == (1, *SIZES[0])

    # a checkpoint as training writes it: the dataset's classes and palette
    # in its meta (show_result_pyplot paints with them)
    from mmseg.datasets import CityscapesDataset
    ckpt = str(tmp_path / 'iter_1.pth')
    torch.save(dict(meta=dict(dataset_meta=CityscapesDataset.METAINFO),
                    state_dict=inferencer.model.state_dict()), ckpt)
    model = init_model(cfg, ckpt, device='cpu')
    assert model.dataset_meta['classes'][0] == 'road'
    shown = str(tmp_path / 'shown.png')
    drawn = show_result_pyplot(model, paths[0],
                               inference_model(model, paths[0]),
                               show=False, out_file=shown)
    assert drawn.shape == (*SIZES[0], 3)
    assert cv2.imread(shown).shape == (*SIZES[0], 3)
