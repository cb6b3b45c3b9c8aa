# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Gradual grouping's maskable conv and the dense-to-grouped conversion."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import mmseg_efficient  # noqa: F401  (registration)
from mmseg_efficient.models.layers import (MaskedGroupConv2d,
                                           build_maskable_pointwise_conv,
                                           convert_to_grouped,
                                           deploy_conv_cfgs, get_masked_convs,
                                           set_alpha)

from helpers.toy_nets import ToyNet  # noqa: E402


def _diag_block_conv(conv: MaskedGroupConv2d) -> nn.Conv2d:
    """Reference grouped conv filled block by block with explicit loops."""
    g = conv.target_groups
    cin, cout = conv.in_channels, conv.out_channels
    ref = nn.Conv2d(
        cin,
        cout,
        conv.kernel_size,
        stride=conv.stride,
        padding=conv.padding,
        dilation=conv.dilation,
        groups=g,
        bias=conv.bias is not None)
    with torch.no_grad():
        for j in range(g):
            rows = slice(j * cout // g, (j + 1) * cout // g)
            cols = slice(j * cin // g, (j + 1) * cin // g)
            ref.weight[rows] = conv.weight[rows, cols]
        if conv.bias is not None:
            ref.bias.copy_(conv.bias)
    return ref


def _block_mask(cout, cin, g):
    m = torch.zeros(cout, cin, 1, 1, dtype=torch.bool)
    for j in range(g):
        m[j * cout // g:(j + 1) * cout // g,
          j * cin // g:(j + 1) * cin // g] = True
    return m




# ---------------------------------------------------------------------------
# 1. The maskable conv
# ---------------------------------------------------------------------------
CONV_CASES = [
    # cin, cout, k, stride, dilation, groups, bias
    (8, 12, 1, 1, 1, 4, True),
    (16, 16, 1, 1, 1, 8, False),
    (6, 6, 3, 2, 2, 3, True),
    (4, 8, 3, 1, 1, 2, False),
]


@pytest.mark.parametrize('cin,cout,k,stride,dil,g,bias', CONV_CASES)
def test_alpha0_is_grouped_conv(cin, cout, k, stride, dil, g, bias):
    torch.manual_seed(0)
    conv = MaskedGroupConv2d(
        cin,
        cout,
        k,
        stride=stride,
        padding=dil * (k // 2),
        dilation=dil,
        groups=g,
        bias=bias,
        alpha=0.0)
    x = torch.randn(2, cin, 11, 13)
    ref = _diag_block_conv(conv)
    torch.testing.assert_close(conv(x), ref(x), atol=1e-5, rtol=1e-5)
    grouped = conv.to_grouped()
    assert type(grouped) is nn.Conv2d and grouped.groups == g
    assert grouped.weight.shape == (cout, cin // g, k, k)
    assert torch.equal(grouped.weight, ref.weight)
    if bias:
        assert torch.equal(grouped.bias, conv.bias)
    else:
        assert grouped.bias is None
    torch.testing.assert_close(grouped(x), conv(x), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('cin,cout,k,stride,dil,g,bias', CONV_CASES)
def test_alpha1_is_dense_conv(cin, cout, k, stride, dil, g, bias):
    torch.manual_seed(1)
    conv = MaskedGroupConv2d(
        cin,
        cout,
        k,
        stride=stride,
        padding=dil * (k // 2),
        dilation=dil,
        groups=g,
        bias=bias)
    assert float(conv.alpha) == 1.0
    x = torch.randn(2, cin, 9, 10)
    dense = F.conv2d(x, conv.weight, conv.bias, conv.stride, conv.padding,
                     conv.dilation)
    torch.testing.assert_close(conv(x), dense, atol=0, rtol=0)


def test_intermediate_alpha_mask_and_gradients():
    torch.manual_seed(2)
    cin, cout, g, alpha = 8, 8, 4, 0.3
    conv = MaskedGroupConv2d(cin, cout, 3, padding=1, groups=g, alpha=alpha)
    x = torch.randn(2, cin, 7, 7)
    inside = _block_mask(cout, cin, g)
    expected_w = torch.where(inside, conv.weight, alpha * conv.weight)
    torch.testing.assert_close(
        conv(x), F.conv2d(x, expected_w, conv.bias, padding=1))

    # gradient: M * dL/dW_eff, i.e. alpha-scaled outside the blocks
    w_eff = expected_w.detach().requires_grad_()
    F.conv2d(x, w_eff, conv.bias.detach(), padding=1).square().sum().backward()
    conv(x).square().sum().backward()
    grad = conv.weight.grad
    mask = inside.expand_as(grad)
    torch.testing.assert_close(grad[mask], w_eff.grad[mask])
    torch.testing.assert_close(grad[~mask], alpha * w_eff.grad[~mask])
    assert (grad[~mask] != 0).all()  # every weight learns while alpha > 0

    conv.zero_grad()
    conv.set_alpha(0.0)
    conv(x).square().sum().backward()
    assert (conv.weight.grad[~mask] == 0).all()
    assert (conv.weight.grad[mask] != 0).all()


def test_alpha_buffer_state_dict_and_errors():
    conv = MaskedGroupConv2d(8, 8, 1, groups=2, alpha=0.25)
    sd = conv.state_dict()
    assert 'alpha' in sd and 'block_mask' not in sd
    other = MaskedGroupConv2d(8, 8, 1, groups=2)
    other.load_state_dict(sd)
    assert float(other.alpha) == 0.25
    with pytest.raises(ValueError, match='groups=3'):
        MaskedGroupConv2d(8, 8, 1, groups=3)
    with pytest.raises(ValueError, match='1.5'):
        conv.set_alpha(1.5)
    with pytest.raises(ValueError, match='alpha=0.25'):
        conv.to_grouped()


def test_registered_for_build_conv_layer_from_mmseg_scope():
    from mmcv.cnn import ConvModule, build_conv_layer
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmseg'):
        conv = build_conv_layer(
            dict(type='MaskedGroupConv2d'), 8, 16, 1, groups=4, bias=True)
        module = ConvModule(
            8,
            8,
            1,
            groups=2,
            conv_cfg=dict(type='MaskedGroupConv2d'),
            norm_cfg=dict(type='BN'))
    assert isinstance(conv, MaskedGroupConv2d) and conv.target_groups == 4
    assert isinstance(module.conv, MaskedGroupConv2d)
    assert module.conv.target_groups == 2


def test_maskable_pointwise_builder():
    build = build_maskable_pointwise_conv
    assert isinstance(build(8, 16, 1, target_groups=4), MaskedGroupConv2d)
    for conv in (
            build(8, 16, 3, target_groups=4),  # 3x3 stays dense
            build(8, 8, 3, groups=8, target_groups=4),  # depthwise
            build(6, 16, 1, target_groups=4)):  # indivisible
        assert type(conv) is nn.Conv2d
    dw = build(8, 8, 3, padding=1, groups=8, target_groups=2)
    assert dw.groups == 8
    deploy = build(8, 16, 1, target_groups=4, deploy=True)
    assert type(deploy) is nn.Conv2d and deploy.groups == 4
    cfg = dict(
        backbone=dict(
            conv_cfg=dict(type='MaskablePointwiseConv2d', target_groups=2),
            blocks=[dict(pw_conv_cfg=dict(type='MaskedGroupConv2d'))]))
    out = deploy_conv_cfgs(cfg)
    assert out['backbone']['conv_cfg'] == dict(
        type='MaskablePointwiseConv2d', target_groups=2, deploy=True)
    assert out['backbone']['blocks'][0]['pw_conv_cfg'] is None


def test_convert_to_grouped_model_and_refusal():
    torch.manual_seed(3)
    model = ToyNet(dict(type='MaskedGroupConv2d')).eval()
    assert [n for n, _ in get_masked_convs(model)
            ] == ['blocks.0.conv', 'blocks.1.conv']
    x = torch.randn(2, 3, 12, 12)
    model.blocks[1].conv.set_alpha(0.5)
    assert set_alpha(model, 0.0, name_pattern=r'blocks\.0') == 1
    with pytest.raises(ValueError) as err:
        convert_to_grouped(model)
    assert 'blocks.1.conv: alpha=0.5' in str(err.value)
    assert len(get_masked_convs(model)) == 2  # refused: nothing replaced

    set_alpha(model, 0.0)
    ref = model(x)
    convert_to_grouped(model)
    assert not get_masked_convs(model)
    assert model.blocks[0].conv.groups == 2
    assert model.blocks[1].conv.groups == 4
    torch.testing.assert_close(model(x), ref, atol=1e-5, rtol=1e-5)
    # the state dict is that of the grouped-from-scratch model
    plain = ToyNet(None)
    assert list(model.state_dict()) == list(plain.state_dict())
    plain.load_state_dict(model.state_dict(), strict=True)
    torch.testing.assert_close(plain.eval()(x), ref, atol=1e-5, rtol=1e-5)
    # a bare maskable conv converts to its grouped conv
    conv = MaskedGroupConv2d(4, 4, 1, groups=2, alpha=0.0)
    assert type(convert_to_grouped(conv)) is nn.Conv2d
