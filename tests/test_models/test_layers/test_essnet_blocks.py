# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Layer library of the ESSNet family (mmseg_efficient.models.layers)."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmengine.registry import MODELS as ROOT_MODELS
from mmseg.models.backbones.erfnet import NonBottleneck1d
from mmseg.registry import MODELS
from mmseg_efficient.models.layers import (PW_CONV_NAMES, DWSDilBlock,
                                           ESSNetBlock,
                                           FactorizedResidualBlock,
                                           parse_variant)
from mmseg_efficient.models.utils import (ChannelShuffle, build_block,
                                          build_output_layer)


def _randomise(module, seed=0):
    """Random weights and BN statistics, so that a wrong channel order or a
    dropped layer changes the output."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            if tensor.is_floating_point():
                values = torch.rand(tensor.shape, generator=gen)
                if name.endswith('running_var'):
                    tensor.copy_(values + 0.5)
                else:
                    tensor.copy_(values - 0.5)
    return module.eval()


@pytest.mark.parametrize('variant,groups,expected', [
    ('D', None, (1, False)),
    ('D', 1, (1, False)),
    ('DGC', 4, (4, False)),
    ('DGCS', 8, (8, True)),
    ('DG2', None, (2, False)),
    ('DG16S', None, (16, True)),
    ('DG4S', 4, (4, True)),
])
def test_parse_variant(variant, groups, expected):
    assert parse_variant(variant, groups) == expected


@pytest.mark.parametrize('variant,groups,named', [
    ('DX3', None, 'DX3'),
    ('dg2', None, 'dg2'),
    ('DG0', None, 'DG0'),
    ('DGS', None, 'DGS'),
    ('D', 4, 'groups=4'),
    ('DGC', None, 'DGC'),
    ('DG2', 4, 'groups=4'),
])
def test_bad_variant_names_the_value(variant, groups, named):
    with pytest.raises(ValueError, match=named):
        ESSNetBlock(64, variant=variant, groups=groups)


@pytest.mark.parametrize('variant,groups', [('DG3', None), ('DGC', 5),
                                            ('DGCS', 128)])
def test_groups_not_dividing_channels_fail_at_build(variant, groups):
    bad = groups or 3
    with pytest.raises(ValueError, match=f'groups={bad}'):
        ESSNetBlock(64, variant=variant, groups=groups)


def test_channel_shuffle_order():
    # Channel c holds the value c: the output order is the permutation.
    x = torch.arange(8.).view(1, 8, 1, 1)
    out = ChannelShuffle(2)(x).flatten().tolist()
    assert out == [0, 4, 1, 5, 2, 6, 3, 7]
    # Shuffling with C/g groups undoes a shuffle with g groups.
    y = torch.randn(2, 12, 3, 5)
    assert torch.equal(ChannelShuffle(4)(ChannelShuffle(3)(y)), y)


def _shuffle_hook(groups):

    def hook(module, args, output):
        return ChannelShuffle(groups)(output)

    return hook


@pytest.mark.parametrize('groups', [2, 4, 8])
def test_dgcs_is_dgc_plus_shuffle_after_each_grouped_pw(groups):
    """Same weights: DGCS equals DGC whose grouped 1x1 outputs are permuted
    by the shuffle, exactly, and the shuffle does change the output."""
    dgc = _randomise(
        ESSNetBlock(32, variant=f'DG{groups}', dilation=2), seed=groups)
    dgcs = ESSNetBlock(32, variant=f'DG{groups}S', dilation=2).eval()
    dgcs.load_state_dict(dgc.state_dict())
    x = torch.randn(2, 32, 9, 11)
    with torch.no_grad():
        plain = dgc(x)
        shuffled = dgcs(x)
        handles = [
            getattr(dgc, name).register_forward_hook(_shuffle_hook(groups))
            for name in PW_CONV_NAMES
        ]
        permuted = dgc(x)
        for handle in handles:
            handle.remove()
    assert torch.equal(shuffled, permuted)
    assert not torch.allclose(shuffled, plain)


def test_grouped_pw_equals_dense_pw_with_zero_off_blocks():
    """DGC is layer D whose 1x1 weights are zero outside the diagonal
    blocks: what gradual grouping trains towards."""
    groups, channels = 4, 16
    dgc = _randomise(ESSNetBlock(channels, variant=f'DG{groups}')).double()
    dense = ESSNetBlock(channels, variant='D').double().eval()
    state = dgc.state_dict()
    size = channels // groups
    for name in PW_CONV_NAMES:
        grouped = state[f'{name}.weight']  # (C, C/g, 1, 1)
        full = torch.zeros(channels, channels, 1, 1, dtype=grouped.dtype)
        for g in range(groups):
            rows = slice(g * size, (g + 1) * size)
            full[rows, rows] = grouped[rows]
        state[f'{name}.weight'] = full
    dense.load_state_dict(state)
    x = torch.randn(2, channels, 7, 6, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(dense(x), dgc(x), rtol=1e-12, atol=1e-12)


@ROOT_MODELS.register_module(name='_RecordingPwConv', force=True)
class _RecordingPwConv(nn.Conv2d):
    """A conv type standing in for gradual grouping's maskable conv: dense
    weight, the requested ``groups`` recorded. Registered in mmengine's root
    registry, where ``build_conv_layer`` looks conv types up."""

    def __init__(self,
                 in_channels,
                 out_channels,
                 kernel_size,
                 groups=1,
                 **kwargs):
        super().__init__(in_channels, out_channels, kernel_size, **kwargs)
        self.target_groups = groups


def test_pw_conv_cfg_reaches_every_pointwise_conv_of_the_model():
    base = dict(type='ESSNetB', variant='DG4')
    plain = MODELS.build(base)
    swapped = MODELS.build(
        dict(base, pw_conv_cfg=dict(type='_RecordingPwConv')))
    pw = {
        n: m
        for n, m in swapped.named_modules() if isinstance(m, _RecordingPwConv)
    }
    assert len(pw) == 2 * 13  # both 1x1 convs of the 13 Conv-modules
    assert {n.rsplit('.', 1)[1] for n in pw} == set(PW_CONV_NAMES)
    assert all(m.target_groups == 4 and m.kernel_size == (1, 1)
               for m in pw.values())
    # Same names: a converter can put true grouped convs back in place.
    assert list(plain.state_dict()) == list(swapped.state_dict())
    for name, module in pw.items():
        assert plain.get_submodule(name).groups == 4
    # The decoder's D layers get it too (dense: groups=1).
    head = MODELS.build(
        dict(
            type='ESSNetHead',
            in_channels=128,
            num_classes=19,
            block_cfg=dict(
                type='ESSNetBlock',
                variant='D',
                pw_conv_cfg=dict(type='_RecordingPwConv'))))
    head_pw = [m for m in head.modules() if isinstance(m, _RecordingPwConv)]
    assert len(head_pw) == 2 * 4
    assert all(m.target_groups == 1 for m in head_pw)


def test_factorized_residual_block_k3_is_mmsegs_non_bt_1d():
    ours = _randomise(FactorizedResidualBlock(16, dilation=4, drop_rate=0.3))
    theirs = NonBottleneck1d(16, dilation=4, drop_rate=0.3).eval()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(1, 16, 20, 24)
    with torch.no_grad():
        assert torch.equal(ours(x), theirs(x))
    assert any(isinstance(m, nn.Dropout2d) for m in ours.modules())


def test_non_bt_1d_k5_receptive_field():
    # LeakyReLU: no path's gradient is cut by a dead unit, whatever the
    # random init (with ReLU the border rows depended on the global seed).
    block = FactorizedResidualBlock(
        4, dilation=2, kernel_size=5,
        act_cfg=dict(type='LeakyReLU')).eval()
    x = torch.zeros(1, 4, 31, 31, requires_grad=True)
    block(x)[0, :, 15, 15].sum().backward()
    reach = x.grad[0].abs().sum(0).nonzero()
    # 5x1 then dilated 5x1 (dilation 2): 2 + 4 = 6 rows each way.
    assert reach[:, 0].min() == 15 - 6 and reach[:, 0].max() == 15 + 6
    assert reach[:, 1].min() == 15 - 6 and reach[:, 1].max() == 15 + 6
    with pytest.raises(ValueError, match='kernel_size'):
        FactorizedResidualBlock(4, kernel_size=4)


def test_dws_dil_branches_reach_every_dilation():
    # LeakyReLU keeps every path's gradient non-zero.
    block = _randomise(
        DWSDilBlock(
            4, dilations=(2, 4, 8, 16), act_cfg=dict(type='LeakyReLU')))
    x = torch.zeros(1, 4, 41, 41, requires_grad=True)
    block(x)[0, :, 20, 20].sum().backward()
    cols = x.grad[0].abs().sum(0)[20].nonzero().flatten().tolist()
    # The 1x3 conv adds 1 to the largest dilation (16) on each side.
    assert min(cols) == 20 - 17 and max(cols) == 20 + 17
    for d in (2, 4, 8, 16):
        assert 20 + d in cols and 20 - d in cols
    assert block(torch.randn(2, 4, 9, 13)).shape == (2, 4, 9, 13)


@pytest.mark.parametrize('scale,kernel', [(2, 2), (4, 4), (8, 8), (2, 4),
                                          (8, 16)])
def test_output_layer_upsamples_exactly(scale, kernel):
    layer = build_output_layer(
        dict(type='deconv', kernel_size=kernel, stride=scale,
             padding=(kernel - scale) // 2), 3, 5)
    assert isinstance(layer, nn.ConvTranspose2d)
    assert layer(torch.randn(1, 3, 7, 9)).shape == (1, 5, 7 * scale,
                                                      9 * scale)


@pytest.mark.parametrize('scale,kernel', [(8, 3), (4, 3)])
def test_deconv_kernel_smaller_than_stride_is_refused(scale, kernel):
    """Such a deconv reaches only kernel^2 / stride^2 of its outputs."""
    with pytest.raises(ValueError, match='kernel_size >= stride'):
        build_output_layer(
            dict(type='deconv', kernel_size=kernel, stride=scale,
                 output_padding=scale - kernel + 2), 3, 5)
    with pytest.raises(ValueError, match='upsample_cfg of stage 0'):
        MODELS.build(
            dict(
                type='ERFNetHead',
                in_channels=8,
                stage_channels=(4, ),
                num_classes=3,
                upsample_cfg=dict(
                    type='_ShortKernelUpsampler', scale=scale,
                    kernel=kernel)))


@MODELS.register_module(name='_ShortKernelUpsampler', force=True)
class _ShortKernelUpsampler(nn.Module):

    def __init__(self, in_channels, out_channels, scale, kernel, **kwargs):
        super().__init__()
        self.conv = nn.ConvTranspose2d(
            in_channels, out_channels, kernel, stride=scale)


def test_upsamplers_are_mmsegs_blocks():
    x = torch.randn(2, 8, 5, 6)
    cfgs = dict(norm_cfg=dict(type='BN', eps=1e-3), act_cfg=dict(type='ReLU'))
    # ERFNet's upsampler (3x3, stride 2), registered from mmseg's erfnet.py.
    erf = build_block(dict(type='UpsamplerBlock'), in_channels=8,
                      out_channels=4, **cfgs).eval()
    assert type(erf).__module__ == 'mmseg.models.backbones.erfnet'
    assert erf.conv.kernel_size == (3, 3) and erf.conv.stride == (2, 2)
    assert erf(x).shape == (2, 4, 10, 12)
    # mmseg's UNet DeconvModule: kernel = stride = 4.
    deconv = build_block(
        dict(type='DeconvModule', kernel_size=4, scale_factor=4),
        in_channels=8, out_channels=4, **cfgs).eval()
    assert deconv(x).shape == (2, 4, 20, 24)
    # ESSNet's "1x1 upsampling" = mmseg's InterpConv: bilinear x2, then a
    # 1x1 conv, BN, ReLU (no conv bias before the BN).
    block = _randomise(
        build_block(dict(type='InterpConv'), in_channels=8, out_channels=4,
                    **cfgs))
    up, conv = block.interp_upsample
    assert conv.conv.kernel_size == (1, 1) and conv.conv.bias is None
    with torch.no_grad():
        ref = F.interpolate(
            x, scale_factor=2, mode='bilinear', align_corners=False)
        ref = conv.activate(conv.bn(conv.conv(ref)))
        assert torch.allclose(block(x), ref)


@MODELS.register_module(name='_TinyBlock', force=True)
class _TinyBlock(nn.Module):
    """A new decoder block: only registered, the head has no mode for it."""

    def __init__(self, channels, scale=1.0, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.scale = scale

    def forward(self, x):
        return x + self.scale * self.conv(x)


def test_decoder_blocks_come_from_the_registry():
    head = MODELS.build(
        dict(
            type='ERFNetHead',
            in_channels=32,
            stage_channels=(16, 8),
            num_blocks=(1, 3),
            upsample_cfg=[
                dict(type='InterpConv'),
                dict(type='DeconvModule', kernel_size=2, scale_factor=2)
            ],
            block_cfg=dict(type='_TinyBlock', scale=0.5),
            num_classes=3)).eval()
    assert [sum(isinstance(m, _TinyBlock) for m in stage)
            for stage in head.stages] == [1, 3]
    assert head.stages[1][1].conv.in_channels == 8
    # ERFNet's 2x2 output deconv by default: 1/8 -> 1/1 here.
    assert head([torch.randn(1, 32, 4, 6)]).shape == (1, 3, 32, 48)
    with pytest.raises(ValueError, match='block_cfg'):
        MODELS.build(
            dict(
                type='ERFNetHead',
                in_channels=32,
                block_cfg=[dict(type='_TinyBlock')] * 3,
                num_classes=3))
