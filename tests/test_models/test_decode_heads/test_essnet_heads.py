# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""ESSNet decode heads: pyramid pooling and the decoder geometry."""
import torch
import torch.nn as nn

import mmseg_efficient  # noqa: F401  (first: applies the compat layer)
from mmseg.models.decode_heads.psp_head import PPM
from mmseg.registry import MODELS


def _ppm_head(**kwargs):
    return MODELS.build(
        dict(
            type='ESSNetPPMHead',
            in_channels=128,
            num_classes=19,
            norm_cfg=dict(type='BN', eps=1e-3),
            **kwargs))


def test_ppm_head_is_psp_pyramid_pooling_with_a_global_bin():
    head = _ppm_head().eval()
    assert type(head.ppm) is PPM
    assert [level[0].output_size for level in head.ppm] == [1, 2, 4, 8]
    # 128 + 4 x 32 = 256 channels enter the stride-4 deconv (4x4 kernel).
    deconv = head.stages[0][0].deconv_upsamping[0]
    assert isinstance(deconv, nn.ConvTranspose2d)
    assert deconv.in_channels == 256 and deconv.kernel_size == (4, 4)
    assert deconv.stride == (4, 4)
    # The 1x1 bin is a global prior: the context of the top-left pixel
    # depends on the bottom-right one, for any map size (with cells of
    # ceil(h/8) x ceil(w/8) pixels it did not).
    x = torch.randn(2, 128, 24, 40, requires_grad=True)
    context = head._context(x)
    assert context.shape == (2, 256, 24, 40)
    context[0, 128:160, 0, 0].sum().backward()
    assert x.grad[0, :, -1, -1].abs().sum() > 0
    # Full resolution out: x4 deconv then the 2x2 output deconv.
    assert head([x.detach()]).shape == (2, 19, 192, 320)


def test_ppm_head_parameters():
    """PPM levels: 1x1 ConvModule 128->32 without bias + BN (2 x 32)."""
    head = _ppm_head(num_blocks=0)
    ppm = sum(p.numel() for p in head.ppm.parameters())
    assert ppm == 4 * (128 * 32 + 2 * 32)
    deconv = sum(p.numel() for p in head.stages.parameters())
    assert deconv == 256 * 16 * 16 + 16 + 2 * 16


def _head_without_stages(out_cfg):
    """ESSNet-trans8x / -nodec style: the output layer on the encoder."""
    return MODELS.build(
        dict(
            type='ESSNetHead',
            in_channels=8,
            stage_channels=(),
            num_classes=3,
            out_cfg=out_cfg)).eval()


def test_upsampling_deconvs_reach_every_output_pixel():
    """A single input pixel reaches a whole stride x stride cell of the
    output of trans8x's 8x8 stride-8 output layer."""
    head = _head_without_stages(dict(type='deconv', kernel_size=8, stride=8))
    x = torch.zeros(1, 8, 4, 4)
    base = head([x])
    x[0, :, 1, 2] = 1.0
    changed = (head([x]) != base).any(1)[0]
    assert changed.sum() == 64
    assert changed[8:16, 16:24].all()


def test_nodec_leaves_the_logits_at_the_feature_resolution():
    head = _head_without_stages(None)
    assert head.conv_seg.kernel_size == (1, 1)
    assert head([torch.randn(1, 8, 4, 6)]).shape == (1, 3, 4, 6)
