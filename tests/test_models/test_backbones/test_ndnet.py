# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""NDNet backbone: structure, counts against the authors' code, output
strides, errors."""
import pytest
import torch
import torch.nn as nn

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmseg_efficient.models.backbones import NarrowBottleneck, NDNet


def _params(module):
    return sum(p.numel() for p in module.parameters())


# Backbone-only counts of the authors' backbone/ndnet.py (see
# ../shared/reference/efficientseg_shufflenet_ndnet.md §3), and Eq. (7) of the
# paper for the residual blocks.
@pytest.mark.parametrize('depth,params', [(29, 492_016), (45, 379_896),
                                          (61, 292_096)])
def test_backbone_counts_match_the_authors_code(depth, params):
    assert _params(NDNet(depth=depth)) == params


def test_wider_ndnet29_count_matches_the_authors_code():
    assert _params(NDNet(depth=29, mid_channels=(64, 128, 256))) == 3_308_216


@pytest.mark.parametrize('expansion', [4, 2])
def test_residual_layers_follow_equation_7(expansion):
    """N = d (2 e n^2 + (9 e + 9) n) + BN for an identity layer (the paper
    counts weights only; BN adds 2 (n + e n))."""
    n, e = 16, expansion
    layer = NarrowBottleneck(e * n, n, expansion=e)
    weights = 2 * e * n * n + (9 * e + 9) * n
    assert _params(layer) == weights + 2 * (n + e * n)


@pytest.mark.parametrize('depth', [29, 45, 61])
@pytest.mark.parametrize('out_stride,strides', [(32, (8, 16, 32)),
                                                (16, (8, 16, 16)),
                                                (8, (8, 8, 8))])
def test_feature_shapes_at_each_output_stride(depth, out_stride, strides):
    model = NDNet(depth=depth, out_stride=out_stride).eval()
    mid = NDNet.arch_settings[depth][0]
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 64, 128))
    assert [tuple(o.shape) for o in outs] == [(1, 4 * m, 64 // s, 128 // s)
                                              for m, s in zip(mid, strides)]


def test_dilation_as_in_the_code():
    """OS8: blocks 2 and 3 have stride 1 and dilations 2 and 4 in every
    layer, the first one included (no contract_dilation), and keep their
    separable projection shortcut."""
    model = NDNet(depth=29, out_stride=8)
    for name, dilation in (('block1', 1), ('block2', 2), ('block3', 4)):
        block = getattr(model, name)
        for i, layer in enumerate(block):
            dw = layer.conv1.depthwise_conv.conv
            assert dw.dilation == (dilation, dilation)
            assert dw.padding == (dilation, dilation)
            assert layer.conv2.depthwise_conv.conv.dilation == (dilation,
                                                                 dilation)
            assert isinstance(layer.shortcut, nn.Identity) == (i > 0)
        assert block[0].conv1.depthwise_conv.conv.stride == (
            (2, 2) if name == 'block1' else (1, 1))


def test_layer_structure_is_the_authors_sepconvbr():
    """dw3x3 (no norm, no act, no bias) -> 1x1 -> BN [-> ReLU]; the
    projection shortcut is a separable conv with the layer's stride."""
    layer = NDNet(depth=45).block2[0]
    for conv, act in ((layer.conv1, True), (layer.conv2, False),
                      (layer.shortcut, False)):
        dw, pw = conv.depthwise_conv, conv.pointwise_conv
        assert dw.conv.groups == dw.conv.in_channels
        assert dw.conv.bias is None and pw.conv.bias is None
        assert dw.norm_name is None and not dw.with_activation
        assert isinstance(pw.bn, nn.BatchNorm2d)
        assert pw.with_activation == act
    assert layer.conv1.depthwise_conv.conv.stride == (2, 2)
    assert layer.shortcut.depthwise_conv.conv.stride == (2, 2)
    assert layer.shortcut.pointwise_conv.conv.out_channels == 128
    assert NDNet(depth=45).conv1.conv.out_channels == 8


def test_expansion_two_and_free_lists():
    model = NDNet(depth=45, expansion=2)
    assert model.out_channels == (32, 64, 128)
    model = NDNet(depth=None, mid_channels=(8, 16, 32), num_layers=(1, 2, 1),
                  out_indices=(2, ))
    assert model.depth == 9
    outs = model(torch.randn(2, 3, 64, 64))
    assert len(outs) == 1 and outs[0].shape == (2, 128, 2, 2)


def test_every_output_pixel_depends_on_the_input():
    model = NDNet(depth=61, out_stride=8).eval()
    with torch.no_grad():
        a = model(torch.randn(1, 3, 64, 64))[-1]
        b = model(torch.randn(1, 3, 64, 64))[-1]
    assert ((a - b).abs().amax(dim=1) > 0).all()


def test_kaiming_fan_in_init_for_separable_convs():
    torch.manual_seed(0)
    model = NDNet(depth=29)
    model.init_weights()
    pw = model.block3[1].conv1.pointwise_conv.conv.weight  # 384 -> 96
    assert abs(pw.std().item() - (2 / 384)**0.5) < 0.1 * (2 / 384)**0.5
    assert (model.block3[1].conv1.pointwise_conv.bn.weight == 1).all()


@pytest.mark.parametrize('kwargs,match', [
    (dict(depth=50), 'depth must be one of'),
    (dict(depth=None, mid_channels=(8, 16, 32)), 'needs both'),
    (dict(depth=29, num_layers=(4, 8, 3)), r'gives depth 31'),
    (dict(depth=29, mid_channels=(8, 16)), 'mid_channels needs 3 ints'),
    (dict(depth=29, out_stride=4), 'out_stride must be one of'),
    (dict(depth=29, expansion=0), 'expansion must be'),
    (dict(depth=29, out_indices=(3, )), 'out_indices'),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NDNet(**kwargs)


def test_identity_shortcut_needs_matching_shapes():
    with pytest.raises(ValueError, match='projection=True'):
        NarrowBottleneck(32, 16, stride=2)
    with pytest.raises(ValueError, match='in_channels'):
        NarrowBottleneck(32, 16, expansion=4)
