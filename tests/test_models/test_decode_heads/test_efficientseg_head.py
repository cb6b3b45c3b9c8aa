# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""EfficientSeg's decoder head, the full network's counts and its loss."""
import os.path as osp

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import init_default_scope

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmseg.registry import MODELS
from mmseg_efficient.utils import load_config, model_complexity

from conftest import REPO  # noqa: E402

init_default_scope('mmseg')
CFG = osp.join(REPO, 'configs', 'efficientseg',
               'efficientseg-{}_1xb4-28.5k_minicity-384x768.py')
# From the authors' model.py at 19 outputs (the reference notes; their
# 20-output model has 13,469,680 / 209,554,216) and its conv + linear MACs
# at 384x768 counted with forward hooks (8.12 / 103.7 G in the notes are
# the 20-output model's: + 9 * stem channels * 384 * 768).
REF = {
    'w1.5': dict(params=13_469_462, macs=8_051_306_496, stem=24),
    'w6.0': dict(params=209_553_350, macs=103_438_559_232, stem=96),
}


def _model(name, num_classes=19, device=None):
    cfg = load_config(CFG.format(name))
    cfg.model.decode_head.num_classes = num_classes
    cfg.model.backbone.norm_cfg = cfg.model.decode_head.norm_cfg = dict(
        type='BN')
    if device == 'meta':
        with torch.device('meta'):
            return MODELS.build(cfg.model).eval()
    return MODELS.build(cfg.model).eval()


def _hook_macs(model, shape):
    """Conv + linear multiply-accumulates of a tensor-mode forward."""
    total = [0]

    def hook(m, args, out):
        if isinstance(m, nn.Conv2d):
            total[0] += out.numel() * m.in_channels // m.groups * \
                m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            total[0] += out.numel() * m.in_features

    hooks = [m.register_forward_hook(hook) for m in model.modules()]
    device = next(model.parameters()).device
    with torch.no_grad():
        model(torch.empty(1, 3, *shape, device=device), mode='tensor')
    for h in hooks:
        h.remove()
    return total[0]


@pytest.mark.parametrize('name', ['w1.5', 'w6.0'])
def test_params_and_macs_match_the_authors_model(name):
    ref = REF[name]
    # built on the meta device: no memory or init cost, exact shapes
    model = _model(name, device='meta')
    assert sum(p.numel() for p in model.parameters()) == ref['params']
    assert _hook_macs(model, (384, 768)) == ref['macs']
    model20 = _model(name, num_classes=20, device='meta')
    extra = 9 * ref['stem'] * 384 * 768
    assert _hook_macs(model20, (384, 768)) == ref['macs'] + extra
    assert round((ref['macs'] + extra) / 1e9, 2) == {
        'w1.5': 8.12, 'w6.0': 103.69}[name]


def test_get_flops_counter_agrees_at_width_1_5():
    """get_flops.py's counter (conv GMACs) equals the conv + linear count."""
    model = _model('w1.5')
    result = model_complexity(model, (64, 128))
    assert result['params'] == REF['w1.5']['params']
    assert result['conv_gmacs'] == pytest.approx(
        _hook_macs(model, (64, 128)) / 1e9, abs=1e-9)
    assert result['output_shape'] == (1, 19, 64, 128)


def _head(width=0.5, **kwargs):
    return MODELS.build(
        dict(type='EfficientSegHead', width=width, num_classes=19,
             **kwargs)).eval()


def _feats(width=0.5, size=(64, 64)):
    enc = MODELS.build(dict(type='EfficientSegEncoder', width=width)).eval()
    with torch.no_grad():
        return enc(torch.rand(2, 3, *size))


def test_head_mirrors_the_encoder_and_outputs_full_resolution():
    head = _head(width=1.5)
    # mirrors of blocks 15..1: out -> in channels, x2 input after a skip
    got = [(m.expand_conv.conv.in_channels if m.with_expand_conv else
            m.depthwise_conv.conv.in_channels,
            m.linear_conv.conv.out_channels) for m in head.mirrors]
    assert got == [(240, 240), (240, 240), (240, 168), (336, 168),
                   (168, 120), (120, 120), (120, 120), (120, 120),
                   (120, 64), (128, 64), (64, 64), (64, 40), (80, 40),
                   (40, 24), (48, 24)]
    assert isinstance(head.conv_seg, nn.Conv2d)
    assert head.conv_seg.kernel_size == (3, 3) and head.conv_seg.bias is None
    assert isinstance(head.logits_norm, nn.BatchNorm2d)
    assert head.logits_act is None  # the authors' h-swish is opt-in
    with torch.no_grad():
        out = _head()(_feats(size=(64, 96)))
        odd = _head()(_feats(size=(50, 75)))  # not multiples of 32
    assert out.shape == (2, 19, 64, 96)
    assert odd.shape == (2, 19, 50, 76)  # 2 x the stem's ceil(75 / 2)


def test_logits_hswish_quirk_is_optional():
    head = _head(logits_act_cfg=dict(type='HSwish'))
    with torch.no_grad():
        out = head(_feats())
    assert out.min() >= -0.375 - 1e-6  # min of x * relu6(x + 3) / 6
    no_norm = _head(logits_norm=False)
    assert no_norm.logits_norm is None and no_norm.conv_seg.bias is not None


def test_every_output_pixel_depends_on_the_input():
    torch.manual_seed(0)
    enc = MODELS.build(dict(type='EfficientSegEncoder', width=0.5)).eval()
    head = _head()
    with torch.no_grad():
        a = head(enc(torch.rand(1, 3, 64, 64)))
        b = head(enc(torch.rand(1, 3, 64, 64)))
    assert (a != b).any(dim=1).all()


def test_head_checks_its_channels():
    with pytest.raises(ValueError, match=r'expected \[24, 40, 64, 168, 240'):
        _head(width=1.5, in_channels=[24, 40, 64, 168, 200])
    with pytest.raises(ValueError, match='stem channels'):
        _head(width=1.5, channels=32)


def test_class_weighted_loss_is_pytorchs_weighted_cross_entropy():
    cfg = load_config(CFG.format('w1.5'))
    weights = cfg.model.decode_head.loss_decode.class_weight
    assert [i for i, w in enumerate(weights) if w == 2] == [3, 4, 5, 12, 17,
                                                            18]
    assert [i for i, w in enumerate(weights) if w == 3] == [14, 15, 16]
    loss = MODELS.build(cfg.model.decode_head.loss_decode)
    torch.manual_seed(0)
    logits = torch.randn(2, 19, 8, 8)
    label = torch.randint(0, 19, (2, 8, 8))
    label[0, :2] = 255
    ref = F.cross_entropy(logits, label, weight=torch.tensor(weights),
                          ignore_index=255)
    assert torch.allclose(loss(logits, label, ignore_index=255), ref)


def test_auxiliary_head_and_ohem_plug_in():
    """The point of the backbone/head split: mmseg's extras work."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    model = MODELS.build(
        dict(
            type='EncoderDecoder',
            backbone=dict(type='EfficientSegEncoder', width=0.5),
            decode_head=dict(
                type='EfficientSegHead',
                width=0.5,
                num_classes=19,
                sampler=dict(type='OHEMPixelSampler', min_kept=100)),
            auxiliary_head=dict(
                type='FCNHead',
                in_channels=56,  # the 1/16 skip at width 0.5
                in_index=3,
                channels=16,
                num_convs=1,
                num_classes=19,
                loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4))))
    samples = []
    for _ in range(2):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(0, 19, (1, 64, 64)))
        s.set_metainfo(dict(img_shape=(64, 64)))
        samples.append(s)
    losses = model.loss(torch.rand(2, 3, 64, 64), samples)
    assert {'decode.loss_ce', 'aux.loss_ce'} <= set(losses)
    assert all(torch.isfinite(v).all() for k, v in losses.items()
               if k.endswith('loss_ce'))
