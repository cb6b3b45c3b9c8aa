# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""EfficientSeg's encoder: the scaled layer table, skips and counts."""
import pytest
import torch
from mmengine.registry import init_default_scope

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmseg.models.utils import InvertedResidualV3
from mmseg.registry import MODELS
from mmseg_efficient.models.layers import efficientseg_specs

init_default_scope('mmseg')


def _encoder(**kwargs):
    return MODELS.build(dict(type='EfficientSegEncoder', **kwargs)).eval()


def test_layer_table_matches_the_reference_at_1_5_and_6_0():
    # out / expanded channels of every bneck (reference notes, Table §1)
    ref = {
        1.5: [(24, 24), (40, 96), (40, 120), (64, 120), (64, 192),
              (64, 192), (120, 384), (120, 304), (120, 280), (120, 280),
              (168, 720), (168, 1008), (240, 1008), (240, 1440),
              (240, 1440)],
        6.0: [(96, 96), (144, 384), (144, 432), (240, 432), (240, 720),
              (240, 720), (480, 1440), (480, 1200), (480, 1104),
              (480, 1104), (672, 2880), (672, 4032), (960, 4032),
              (960, 5760), (960, 5760)],
    }
    for width, rows in ref.items():
        specs = efficientseg_specs(width)
        assert [(s.out_channels, s.mid_channels) for s in specs] == rows
    # width 1.0 is MobileNetV3-Large (mmseg's mid channels)
    assert [s.mid_channels for s in efficientseg_specs(1.0)] == [
        16, 64, 72, 72, 120, 120, 240, 200, 184, 184, 480, 672, 672, 960,
        960
    ]


def test_skip_shapes_and_channels():
    enc = _encoder(width=1.5)
    with torch.no_grad():
        outs = enc(torch.rand(1, 3, 64, 128))
    assert [tuple(o.shape) for o in outs] == [
        (1, 24, 32, 64), (1, 40, 16, 32), (1, 64, 8, 16), (1, 168, 4, 8),
        (1, 240, 2, 4)
    ]
    assert enc.out_channels == [24, 40, 64, 168, 240]
    # skips are the inputs of the stride-2 bnecks 2, 4, 7 and 13
    inputs = {}
    hooks = [
        enc.layers[i].register_forward_pre_hook(
            lambda m, args, i=i: inputs.__setitem__(i, args[0]))
        for i in (1, 3, 6, 12)
    ]
    x = torch.rand(1, 3, 64, 128)
    with torch.no_grad():
        outs = enc(x)
    for h in hooks:
        h.remove()
    for out, i in zip(outs, (1, 3, 6, 12)):
        assert torch.equal(out, inputs[i])
    # out_indices selects among the five outputs
    enc = _encoder(width=0.5, out_indices=(2, -1))
    with torch.no_grad():
        outs = enc(torch.rand(1, 3, 64, 64))
    assert [o.shape[1:] for o in outs] == [(24, 8, 8), (80, 2, 2)]


def test_blocks_are_mmseg_inverted_residuals_with_se_and_residuals():
    enc = _encoder(width=1.5)
    assert all(isinstance(b, InvertedResidualV3) for b in enc.layers)
    assert [b.with_se for b in enc.layers] == [
        False, False, False, True, True, True, False, False, False, False,
        True, True, True, True, True
    ]
    # t=1 block has no expand conv; residuals where stride 1 and in == out
    assert not enc.layers[0].with_expand_conv
    assert [b.with_res_shortcut for b in enc.layers] == [
        True, False, True, False, True, True, False, True, True, True, False,
        True, False, True, True
    ]


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match='width'):
        efficientseg_specs(0)
    with pytest.raises(KeyError, match='small'):
        efficientseg_specs(1.0, 'small')
    with pytest.raises(ValueError, match='first bneck'):
        efficientseg_specs(1.0, [(3, 1, 16, False, 'ReLU', 2)])
    with pytest.raises(ValueError, match='out_indices'):
        _encoder(out_indices=(5, ))


def test_norm_eval_keeps_bn_frozen():
    enc = _encoder(width=0.5, norm_eval=True).train()
    bns = [m for m in enc.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and not any(m.training for m in bns)
    assert _encoder(width=0.5).train().stem.bn.training


def test_every_conv_is_initialised_as_the_authors_kaiming_uniform():
    """The authors' ``kaiming_uniform_`` (fan_in, gain sqrt(2)) on every
    conv of the encoder and the decoder, the stem included: mmcv's
    ``ConvModule.init_weights`` (Kaiming-normal, fan_out) must not replace
    it. A uniform init stays within its bound sqrt(6 / fan_in); the stem's
    fan_in is 27, so its std is sqrt(2 / 27) = 0.272 (0.093 under mmcv's
    fan_out init)."""
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='EncoderDecoder',
            backbone=dict(type='EfficientSegEncoder', width=0.5),
            decode_head=dict(
                type='EfficientSegHead', width=0.5, num_classes=19)))
    model.init_weights()
    stem = model.backbone.stem.conv.weight
    assert stem.std().item() == pytest.approx((2 / 27)**0.5, rel=0.1)
    convs = [(name, m) for name, m in model.named_modules()
             if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) > 50
    for name, conv in convs:
        w = conv.weight
        fan_in = w.shape[1] * w.shape[2] * w.shape[3]
        bound = (6 / fan_in)**0.5
        assert w.abs().max().item() <= bound * (1 + 1e-6), name
        if w.numel() >= 2000:  # enough samples for the std
            assert w.std().item() == pytest.approx(
                bound / 3**0.5, rel=0.1), name
