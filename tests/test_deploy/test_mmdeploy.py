# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""mmdeploy (OpenMMLab's deploy tool) on one config of every family.

What mmdeploy's ``tools/deploy.py`` runs -- ``torch2onnx``, then the
onnxruntime backend model's ``test_step`` -- through
``tools/deploy/mmdeploy_check.py``, with the deploy configs of
``tools/deploy/mmdeploy``: the exported logits equal the PyTorch model's on
the same preprocessed input, and the backend's mask has each image's size
(static and dynamic shapes). Label agreement on a trained checkpoint is the
script's job (random weights give near-tied logits).
"""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest
from conftest import REPO, load_tool
from mmengine.config import Config

import mmseg_efficient  # noqa: F401
from mmseg_efficient.models.utils.config_helpers import \
    drop_class_weight_files

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec('mmdeploy') is None,
        reason='mmdeploy is not installed (pip install --no-deps -r '
        'requirements/mmdeploy.txt)')
]
DEPLOY = osp.join(REPO, 'tools', 'deploy', 'mmdeploy')
STATIC = osp.join(DEPLOY, 'segmentation_onnxruntime_static-256x512.py')
DYNAMIC = osp.join(DEPLOY, 'segmentation_onnxruntime_dynamic.py')
FAMILIES = {
    'essnet': 'essnet/essnet-dg2_ups_1xb6-75k_cityscapes-512x1024.py',
    'erfnet': 'essnet/erfnet_deconv_1xb6-75k_cityscapes-512x1024.py',
    'wspdnet': 'essnet/wspdnet-dws2_deconv_1xb6-75k_cityscapes-512x1024.py',
    'gradual_grouping': 'essnet/gradual_grouping/'
    'essnet-dg2_gg-p2_ups_1xb4-300i_streetscenes-128x256.py',
    'efficientseg': 'efficientseg/efficientseg-w0.5_1xb4-300i_streetscenes'
    '-128x256.py',
    'ndnet': 'ndnet/fcn32_ndnet29_1xb4-300i_streetscenes-128x256.py',
    'shufflenetv2_dpc': 'shufflenetv2_dpc/dpc_shufflenetv2-1x-os16_1xb4-300i'
    '_streetscenes-128x256.py',
    'segformer_kitti': 'segformer_kitti/segformer_mit-b0_4xb2-40k_kitti'
    '-375x1242.py',
}


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp('mmdeploy_images')
    rng = np.random.default_rng(0)
    paths = []
    for h, w in [(256, 512), (181, 333)]:
        path = str(folder / f'img_{w}x{h}.png')
        cv2.imwrite(path, rng.integers(0, 256, (h, w, 3), np.uint8))
        paths.append(path)
    return paths


def _model_cfg(config):
    cfg = Config.fromfile(osp.join(REPO, 'configs', config))
    drop_class_weight_files(cfg.model)  # the files are not in the repo
    if cfg.model.backbone.get('init_cfg'):
        cfg.model.backbone.init_cfg = None  # phase-2 encoder checkpoints
    for step in cfg.test_pipeline:
        # the reference (inference_model) and the dynamic export run the
        # config's own test resize: keep it small on a CPU
        if step['type'] == 'Resize':
            step['scale'] = (256, 128)
    return cfg


@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_mmdeploy_static_logits_and_mask(family, images, tmp_path):
    tool = load_tool('tools/deploy/mmdeploy_check.py')
    cfg = _model_cfg(FAMILIES[family])
    if not any(step['type'] == 'Resize' for step in cfg.test_pipeline):
        # tested at the original resolution (KITTI): a static graph then
        # only takes images of its own size (mmdeploy resizes through the
        # config's Resize step)
        images = images[:1]
    report = tool.mmdeploy_check(cfg, STATIC, images, str(tmp_path))
    assert report['with_argmax'] is False
    for entry in report['images']:
        assert entry['max_abs_diff'] <= 1e-4, (family, entry)
        assert entry['mask_shape'] == entry['image_shape'], entry


# (mmseg's SegFormer deploys with static shapes only: its attention reshapes
# are fixed when the graph is traced)
@pytest.mark.parametrize('family', ['essnet', 'efficientseg'])
def test_mmdeploy_dynamic_mask_sizes(family, images, tmp_path):
    tool = load_tool('tools/deploy/mmdeploy_check.py')
    cfg = _model_cfg(FAMILIES[family])
    report = tool.mmdeploy_check(cfg, DYNAMIC, images, str(tmp_path))
    assert report['with_argmax'] is True
    assert [e['mask_shape'] for e in report['images']] == [
        e['image_shape'] for e in report['images']]


def test_mmdeploy_check_cli_fails_on_a_missing_image(tmp_path):
    tool = load_tool('tools/deploy/mmdeploy_check.py')
    missing = str(tmp_path / 'nope.png')
    with pytest.raises(FileNotFoundError, match='nope.png'):
        tool.list_images([missing], 5)
