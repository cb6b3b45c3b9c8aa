# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Every shipped config builds and every output pixel depends on the input.

All configs under ``configs/`` (every folder, recursively, ``_base_`` folders
skipped, so configs added later are covered too) are built with BN instead of
SyncBN, in eval mode, and fed two different random images. A logit pixel
whose scores are identical for both inputs is a constant: e.g. a transposed
conv whose kernel is smaller than its stride leaves output pixels that only
its bias reaches. The ImageNet classifiers of ``configs/pretrain``
(mmpretrain's scope) give one score vector per image: every score must
depend on the input.
"""
import collections
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

import mmseg_efficient  # noqa: F401  (registers the plugin)
from conftest import REPO  # noqa: E402
from mmseg_efficient.utils import build_segmentor

CONFIG_ROOT = osp.join(REPO, 'configs')
CONFIGS = sorted(
    osp.relpath(path, CONFIG_ROOT)
    for path in glob.glob(osp.join(CONFIG_ROOT, '**', '*.py'), recursive=True)
    if '_base_' not in osp.relpath(path, CONFIG_ROOT).split(osp.sep))
# Divisible by every config's output stride (1/8 encoders, 1/32 backbones
# such as SegFormer's or ShuffleNet's), small enough to stay fast.
SHAPE = (1, 3, 64, 128)


# The configs each folder ships: a config added or lost changes this list
# (and the folder's README and metafile with it).
CONFIGS_PER_FOLDER = {
    'demo': 4,
    'efficientseg': 7,
    'essnet': 62,
    'essnet/gradual_grouping': 18,
    'ndnet': 11,
    'pretrain': 6,
    'segformer_kitti': 15,
    'shufflenetv2_dpc': 12,
}


def test_configs_are_found():
    found = collections.Counter(
        osp.dirname(c).replace(osp.sep, '/') for c in CONFIGS)
    assert dict(found) == CONFIGS_PER_FOLDER
    assert 'essnet/essnet-d_trans8x_1xb6-75k_cityscapes-512x1024.py' in (
        c.replace(osp.sep, '/') for c in CONFIGS)


def calibrate_norms(model: torch.nn.Module, shape=SHAPE, seed: int = 1):
    """Set every BN's running statistics to those of a random batch, as
    training would (fresh statistics of mean 0 / variance 1 let activations
    grow layer after layer until ReLU6 saturates, a random-init artefact)."""
    norms = [m for m in model.modules()
             if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # cumulative average: one batch sets them
    gen = torch.Generator().manual_seed(seed)
    model.train()
    with torch.no_grad():
        model(torch.rand(2, *shape[1:], generator=gen), mode='tensor')
    return model.eval()


def constant_pixels(model: torch.nn.Module, shape=SHAPE, seed: int = 0):
    """Boolean map (N, H, W) of the output pixels whose logits are the same
    for two different random inputs."""
    gen = torch.Generator().manual_seed(seed)
    x1 = torch.rand(*shape, generator=gen)
    x2 = torch.rand(*shape, generator=gen)
    with torch.no_grad():
        out1 = model(x1, mode='tensor')
        out2 = model(x2, mode='tensor')
    assert out1.shape == out2.shape
    return (out1 == out2).all(dim=1)


@pytest.mark.parametrize('config', CONFIGS)
def test_every_output_pixel_depends_on_the_input(config):
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, config))
    # the tools' build: BN for SyncBN, no auxiliary head, no class-weight
    # files; seeded, so that a failure is the same on every run
    torch.manual_seed(0)
    model = calibrate_norms(build_segmentor(cfg))
    if cfg.model.type == 'ImageClassifier':  # (N, classes) scores
        gen = torch.Generator().manual_seed(0)
        with torch.no_grad():
            out1, out2 = (model(torch.rand(*SHAPE, generator=gen),
                                mode='tensor') for _ in range(2))
        assert out1.dim() == 2 and out1.shape[1] > 1
        same = (out1 == out2)
        assert not same.any(), (
            f'{config}: {int(same.sum())} of {same.numel()} class scores '
            'are the same for two different inputs')
        return
    constant = constant_pixels(model)
    n, h, w = constant.shape
    assert h * w > 1, f'{config}: output of {tuple(constant.shape)} pixels'
    assert not constant.any(), (
        f'{config}: {int(constant.sum())} of {constant.numel()} output '
        f'pixels ({100 * constant.float().mean().item():.1f} %) have the '
        f'same logits for two different inputs (output {h}x{w})')


def test_readme_model_zoo_counts_match_the_folders():
    """The Model zoo table of the README states each folder's number of
    configs; it is the folder's."""
    import re
    with open(osp.join(REPO, 'README.md')) as f:
        rows = re.findall(
            r'^\| \[configs/([^\]]+)\]\([^)]*\) \|[^|]*\| (\d+) '
            r'(?:classifier )?configs\b', f.read(), flags=re.M)
    stated = {folder: int(n) for folder, n in rows}
    assert stated == CONFIGS_PER_FOLDER
