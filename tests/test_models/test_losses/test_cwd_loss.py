# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Channel-wise distillation loss (Shu et al. 2021) against hand values."""
import math

import pytest
import torch
from mmengine.registry import DefaultScope

import mmseg_efficient  # noqa: F401
from mmseg.registry import MODELS


def _loss(**kwargs):
    with DefaultScope.overwrite_default_scope('mmseg'):
        return MODELS.build(dict(type='ChannelWiseDistillationLoss', **kwargs))


def test_hand_computed_kl_and_tau_squared():
    # one channel, two locations: p_T = (3/4, 1/4), p_S = (1/2, 1/2)
    s = torch.zeros(1, 1, 1, 2)
    t = torch.tensor([math.log(3.0), 0.0]).view(1, 1, 1, 2)
    kl = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    assert _loss()(s, t).item() == pytest.approx(kl, rel=1e-6)
    # tau = 2: p_T = softmax(ln3 / 2, 0) = (r / (r + 1), 1 / (r + 1)), r=√3
    r = math.sqrt(3.0)
    p = (r / (r + 1), 1 / (r + 1))
    kl2 = p[0] * math.log(2 * p[0]) + p[1] * math.log(2 * p[1])
    got = _loss(tau=2.0, loss_weight=0.5)(s, t).item()
    assert got == pytest.approx(0.5 * 4 * kl2, rel=1e-6)
    # mean over N * C: a second identical channel / image changes nothing
    s2, t2 = s.repeat(2, 3, 1, 1), t.repeat(2, 3, 1, 1)
    assert _loss()(s2, t2).item() == pytest.approx(kl, rel=1e-6)


def test_softmax_is_spatial_per_channel():
    torch.manual_seed(0)
    s, t = torch.randn(2, 4, 5, 6), torch.randn(2, 4, 5, 6)
    loss = _loss(tau=3.0)
    assert loss(t, t).abs().item() < 1e-6
    base = loss(s, t)
    # a constant per channel does not move a spatial distribution ...
    shifted = s + torch.randn(2, 4, 1, 1) * 10
    torch.testing.assert_close(loss(shifted, t), base)
    # ... a constant per location (a pixel-wise softmax's invariance) does
    assert not torch.allclose(loss(s + torch.randn(2, 1, 5, 6), t), base)
    s.requires_grad_(True)
    t.requires_grad_(True)
    loss(s, t).backward()
    assert s.grad.abs().sum() > 0 and t.grad is None


def test_bad_input():
    with pytest.raises(ValueError, match='tau'):
        _loss(tau=0)
    with pytest.raises(ValueError, match=r'\(2, 4, 5, 6\).*\(2, 4, 5, 7\)'):
        _loss()(torch.zeros(2, 4, 5, 6), torch.zeros(2, 4, 5, 7))
