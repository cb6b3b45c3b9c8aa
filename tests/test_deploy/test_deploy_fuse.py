# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Deploy rewrites keep the logits: BN folding, grouped conversion, dropout
removal and the modules' deploy switches, for one config of every model
family shipped under configs/ (new families are picked up when their
configs land), and the folding rules on small hand-built modules."""
import copy
import glob
import os.path as osp

import pytest
import torch
import torch.nn as nn
from conftest import REPO
from mmengine.config import Config
from torch.nn.modules.batchnorm import _BatchNorm

from mmseg_efficient.deploy import (PixelShuffleDeconv, check_equivalence,
                                    deconv_to_pixel_shuffle, fold_batchnorm,
                                    prepare_for_deploy, remove_training_only,
                                    torch_outputs)
from mmseg_efficient.models.layers.maskable_conv import (MaskedGroupConv2d,
                                                         get_masked_convs)
from mmseg_efficient.models.utils import ChannelShuffle


def _family_key(cfg):
    """What makes two configs the same family for deployment: backbone and
    head types, their string options (decoder variants), the pointwise /
    conv config types (maskable convs) and the channel shuffle."""
    model = cfg.model

    def options(node):  # string options and the types of sub-configs
        return tuple(sorted(
            (k, v if isinstance(v, str) else v.get('type'))
            for k, v in node.items()
            if k != 'type' and (isinstance(v, str) or (
                isinstance(v, dict) and 'type' in v))))

    def conv_type(node, key):
        value = node.get(key)
        return value.get('type') if isinstance(value, dict) else None

    backbone, head = model.backbone, model.decode_head
    return (model.type, backbone.type, head.type, options(head),
            str(backbone.get('variant', '')).endswith('S'),
            conv_type(backbone, 'pw_conv_cfg'),
            conv_type(backbone, 'conv_cfg'))


def _family_configs():
    families = {}
    for path in sorted(glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                                 recursive=True)):
        if '_base_' in path.split(osp.sep):
            continue
        cfg = Config.fromfile(path)
        if cfg.get('default_scope') == 'mmpretrain':
            continue  # ImageNet classifiers (configs/pretrain)
        families.setdefault(_family_key(cfg), path)
    return sorted(families.values())


FAMILY_CONFIGS = _family_configs()


def _randomise_norms(model, seed=0):
    """Non-trivial BN statistics and affine parameters (fresh ones fold
    to almost nothing)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, _BatchNorm):
                n = m.num_features
                m.running_mean.copy_(torch.rand(n, generator=gen) - 0.5)
                m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
                if m.affine:
                    m.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                    m.bias.copy_(torch.rand(n, generator=gen) - 0.5)


def test_families_found():
    # ERFNet, ESSNetA/B with every decoder, WSPD-Net, gradual grouping
    assert len(FAMILY_CONFIGS) >= 8


@pytest.mark.parametrize(
    'config', FAMILY_CONFIGS,
    ids=[osp.splitext(osp.basename(c))[0] for c in FAMILY_CONFIGS])
def test_deploy_keeps_logits(config):
    from mmseg_efficient.utils import build_segmentor, load_config
    torch.manual_seed(0)
    model = build_segmentor(load_config(config))
    _randomise_norms(model)
    for _, conv in get_masked_convs(model):
        conv.set_alpha(0.0)  # a finished gradual-grouping model
    num_masked = len(get_masked_convs(model))
    num_bn = sum(isinstance(m, _BatchNorm) for m in model.modules())
    x = torch.rand(1, 3, 64, 128)
    ref = torch_outputs(model, x)

    deployed = copy.deepcopy(model)
    report = prepare_for_deploy(deployed, shape=(64, 128))
    assert report['grouped'] == num_masked
    assert not get_masked_convs(deployed)
    assert not any(isinstance(m, (nn.Dropout, nn.Dropout2d))
                   for m in deployed.modules())
    left = sum(isinstance(m, _BatchNorm) for m in deployed.modules())
    assert left == num_bn - len(report['folded_bn'])
    if num_bn:
        # most norms follow a conv (the downsamplers' norm after the
        # conv/max-pool concatenation cannot be folded)
        assert len(report['folded_bn']) >= num_bn // 2
    check_equivalence(ref, torch_outputs(deployed, x), atol=1e-4,
                      what=f'deployed {osp.basename(config)}')


class _ConvBN(nn.Module):

    def __init__(self, shuffle=False, reuse=False, act_between=False,
                 groups=1):
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 1, groups=groups, bias=False)
        self.shuffle = ChannelShuffle(2) if shuffle else None
        self.act = nn.ReLU() if act_between else None
        self.bn = nn.BatchNorm2d(8)
        self.reuse = reuse

    def forward(self, x, mode='tensor'):
        y = self.conv(x)
        z = y
        if self.shuffle is not None:
            z = self.shuffle(z)
        if self.act is not None:
            z = self.act(z)
        out = self.bn(z)
        return out + y if self.reuse else out


@pytest.mark.parametrize('kwargs,folds', [
    (dict(), True),
    (dict(groups=2), True),
    (dict(shuffle=True), True),
    (dict(reuse=True), False),  # the conv output is also used elsewhere
    (dict(act_between=True), False),  # not conv -> BN
])
def test_fold_batchnorm_rules(kwargs, folds):
    torch.manual_seed(0)
    model = _ConvBN(**kwargs).eval()
    _randomise_norms(model)
    x = torch.randn(2, 8, 5, 7)
    with torch.no_grad():
        ref = model(x)
    folded = fold_batchnorm(model, (x, ))
    assert folded == (['bn'] if folds else [])
    assert isinstance(model.bn, nn.Identity) == folds
    with torch.no_grad():
        torch.testing.assert_close(model(x), ref, atol=1e-5, rtol=1e-5)


def test_fold_batchnorm_needs_eval():
    with pytest.raises(ValueError, match='eval'):
        fold_batchnorm(_ConvBN().train(), (torch.randn(1, 8, 4, 4), ))


@pytest.mark.parametrize('groups', [1, 2])
def test_fold_into_transposed_conv(groups):
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1,
                           groups=groups), nn.BatchNorm2d(6)).eval()
    _randomise_norms(model)
    x = torch.randn(1, 4, 5, 6)
    with torch.no_grad():
        ref = model(x)
    assert fold_batchnorm(model, (x, )) == ['1']
    with torch.no_grad():
        torch.testing.assert_close(model(x), ref, atol=1e-5, rtol=1e-5)


def test_pixel_shuffle_deconv():
    torch.manual_seed(0)
    model = nn.Sequential(nn.ConvTranspose2d(16, 19, 2, stride=2),
                          nn.ConvTranspose2d(19, 4, 3, stride=2)).eval()
    x = torch.randn(1, 16, 6, 10)
    with torch.no_grad():
        ref = model(x)
    assert deconv_to_pixel_shuffle(model) == ['0']  # the overlapping one
    assert isinstance(model[0], PixelShuffleDeconv)  # stays a deconv
    with torch.no_grad():
        torch.testing.assert_close(model(x), ref, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match='kernel_size == stride'):
        PixelShuffleDeconv.from_deconv(model[1])


def test_remove_training_only():
    model = nn.Sequential(nn.Conv2d(3, 3, 1), nn.Dropout2d(0.5),
                          nn.Sequential(nn.Dropout(0.1)))
    assert remove_training_only(model) == ['1', '2.0']
    assert isinstance(model[1], nn.Identity)


def test_alpha_not_zero_refused():
    from mmseg_efficient.models.layers.maskable_conv import AlphaNotZeroError
    model = nn.Sequential(MaskedGroupConv2d(4, 4, 1, groups=2, alpha=0.5))
    model.eval()
    with pytest.raises(AlphaNotZeroError, match='alpha=0.5'):
        prepare_for_deploy(model, fold_bn=False)


@pytest.mark.parametrize('size,out', [((16, 32), (6, 6)), ((7, 9), 3),
                                      ((8, 8), (None, 2))])
def test_static_adaptive_pool(size, out):
    from mmseg_efficient.deploy import (StaticAdaptiveAvgPool2d,
                                        static_adaptive_pool)
    x = torch.randn(2, 3, *size)
    ref = nn.AdaptiveAvgPool2d(out)(x)
    torch.testing.assert_close(StaticAdaptiveAvgPool2d(out)(x), ref)
    model = nn.Sequential(nn.AdaptiveAvgPool2d(out), nn.AdaptiveAvgPool2d(1))
    assert static_adaptive_pool(model) == ['0']  # 1x1 exports as it is
