# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""FCN32Head: NDNet's separable FCN head."""
import torch
import torch.nn as nn
from mmseg.models.decode_heads import DepthwiseSeparableFCNHead

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmseg_efficient.models.decode_heads import FCN32Head


def _head(**kwargs):
    cfg = dict(in_channels=192, channels=64, num_classes=19,
               norm_cfg=dict(type='BN'))
    cfg.update(kwargs)
    return FCN32Head(**cfg)


def _params(module):
    return sum(p.numel() for p in module.parameters())


def test_structure_and_count_match_the_authors_dense_prediction():
    """dw3x3 C (no BN, no bias) + 1x1 C->64 + BN + ReLU + 1x1 64->19 with
    bias: NDNet61's head is 15,379 parameters, its aux head 15,859."""
    head = _head()
    sep = head.convs[0]
    assert sep.depthwise_conv.conv.bias is None
    assert sep.depthwise_conv.norm_name is None
    assert not sep.depthwise_conv.with_activation
    assert sep.pointwise_conv.conv.bias is None
    assert isinstance(sep.pointwise_conv.bn, nn.BatchNorm2d)
    assert sep.pointwise_conv.with_activation
    assert head.conv_seg.bias is not None and head.dropout is None
    assert len(head.convs) == 1 and not head.concat_input
    assert _params(head) == 192 * 9 + 192 * 64 + 2 * 64 + 64 * 19 + 19
    assert _params(head) == 15_379
    assert _params(_head(in_channels=96, channels=128)) == 15_859


def test_mmseg_separable_fcn_head_differs_by_the_depthwise_bn():
    """Why the subclass exists: mmseg's head puts BN on the depthwise conv
    (2 parameters per input channel), which the authors' code has not."""
    mmseg_head = DepthwiseSeparableFCNHead(
        in_channels=192, channels=64, num_classes=19, num_convs=1,
        concat_input=False, norm_cfg=dict(type='BN'))
    assert _params(mmseg_head) - _params(_head()) == 2 * 192
    assert _params(_head(dw_norm_cfg=dict(type='BN'))) == _params(mmseg_head)


def test_forward_shape_and_options():
    x = [torch.randn(2, 96, 8, 16), torch.randn(2, 192, 4, 8)]
    head = _head(in_index=1)
    assert head(x).shape == (2, 19, 4, 8)
    head = _head(in_index=1, num_convs=2, concat_input=True, dilation=2)
    assert head.convs[1].depthwise_conv.conv.dilation == (2, 2)
    assert head.conv_cat.depthwise_conv.conv.in_channels == 192 + 64
    assert head(x).shape == (2, 19, 4, 8)


def test_init_is_kaiming_fan_in():
    torch.manual_seed(0)
    head = _head(in_channels=384, channels=256)
    head.init_weights()
    w = head.convs[0].pointwise_conv.conv.weight
    assert abs(w.std().item() - (2 / 384)**0.5) < 0.1 * (2 / 384)**0.5
    assert (head.conv_seg.bias == 0).all()

