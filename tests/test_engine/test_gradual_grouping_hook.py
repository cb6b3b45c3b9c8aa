# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The gradual-grouping alpha schedule and hook (unit level)."""
import math
import types

import pytest

import mmseg_efficient  # noqa: F401  (registration)
from mmseg_efficient.engine.hooks import GradualGroupingHook

from helpers.toy_nets import ToyNet  # noqa: E402


# ---------------------------------------------------------------------------
# 2. The alpha schedule
# ---------------------------------------------------------------------------
SCHEDULES = [
    (dict(begin=10, end=30), {
        0: 1.0,
        10: 1.0,
        15: 0.75,
        20: 0.5,
        29: 0.05,
        30: 0.0,
        500: 0.0
    }),
    (dict(begin=10, end=30, shape='cosine'), {
        10: 1.0,
        15: (1 + math.cos(math.pi / 4)) / 2,
        20: 0.5,
        25: (1 + math.cos(3 * math.pi / 4)) / 2,
        30: 0.0,
        31: 0.0
    }),
    (dict(begin=10, end=30, shape='step', num_steps=4), {
        10: 1.0,
        14: 1.0,
        15: 0.75,
        19: 0.75,
        20: 0.5,
        25: 0.25,
        29: 0.25,
        30: 0.0
    }),
    (dict(begin=0, end=4, shape='step', num_steps=2, by_epoch=True), {
        0: 1.0,
        1: 1.0,
        2: 0.5,
        3: 0.5,
        4: 0.0,
        9: 0.0
    }),
    (dict(begin=1, end=5, by_epoch=True), {
        0: 1.0,
        1: 1.0,
        2: 0.75,
        3: 0.5,
        4: 0.25,
        5: 0.0
    }),
]


@pytest.mark.parametrize('kwargs,expected', SCHEDULES)
def test_schedule_values(kwargs, expected):
    hook = GradualGroupingHook(**kwargs)
    for step, alpha in expected.items():
        assert hook.alpha_at(step) == pytest.approx(alpha, abs=1e-12), step


def _fake_runner(iter_=0, epoch=0):
    return types.SimpleNamespace(
        iter=iter_,
        epoch=epoch,
        message_hub=types.SimpleNamespace(
            scalars={}, update_scalar=lambda k, v: None))


@pytest.mark.parametrize('by_epoch', [False, True])
def test_hook_sets_alpha_by_iter_and_by_epoch(by_epoch):
    model = ToyNet(dict(type='MaskedGroupConv2d'))
    hook = GradualGroupingHook(
        begin=0, end=4, by_epoch=by_epoch, name_pattern=r'^blocks\.1\.')
    runner = _fake_runner()
    runner.model = model
    hook._collect(runner)
    for step, alpha in [(0, 1.0), (1, 0.75), (3, 0.25), (4, 0.0)]:
        runner.iter, runner.epoch = (step, 0) if not by_epoch else (99, step)
        if by_epoch:
            hook.before_train_epoch(runner)
        else:
            hook.before_train_iter(runner, 0)
        assert float(model.blocks[1].conv.alpha) == alpha
        assert float(model.blocks[0].conv.alpha) == 1.0  # not matched


@pytest.mark.parametrize('kwargs,match', [
    (dict(begin=5, end=5), r'begin \(5\) must be smaller than end \(5\)'),
    (dict(begin=8, end=3), r'begin \(8\)'),
    (dict(end=10, shape='exponential'), "unknown shape 'exponential'"),
    (dict(end=10, shape='step', num_steps=0), 'num_steps.*0'),
    (dict(end=-1), 'end must be a non-negative int, got -1'),
    (dict(end=2.5), 'got 2.5'),
])
def test_hook_bad_args(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GradualGroupingHook(**kwargs)


def test_hook_needs_maskable_convs():
    hook = GradualGroupingHook(end=3, name_pattern='decoder')
    runner = _fake_runner()
    runner.model = ToyNet(dict(type='MaskedGroupConv2d'))
    with pytest.raises(RuntimeError, match="name_pattern='decoder'"):
        hook._collect(runner)


def test_lr_window_hook_refuses_by_epoch_in_an_iteration_loop():
    """by_epoch=True in an IterBasedTrainLoop would keep the window open for
    the whole run (its only "epoch" is 0): refused, naming the loop."""
    from mmengine.runner import IterBasedTrainLoop
    from mmseg_efficient.engine.hooks import LrMultiplierWindowHook
    runner = types.SimpleNamespace(
        train_loop=IterBasedTrainLoop.__new__(IterBasedTrainLoop))
    hook = LrMultiplierWindowHook(end=3, by_epoch=True)
    with pytest.raises(ValueError, match='IterBasedTrainLoop'):
        hook.before_train(runner)


def test_lr_window_hook_refuses_mixed_param_groups():
    import torch
    import torch.nn as nn
    from mmengine.optim import OptimWrapper
    from mmseg_efficient.engine.hooks import LrMultiplierWindowHook
    model = nn.ModuleDict(dict(backbone=nn.Linear(2, 2), head=nn.Linear(2, 2)))
    runner = types.SimpleNamespace(
        model=model,
        optim_wrapper=OptimWrapper(torch.optim.Adam(model.parameters())),
        logger=types.SimpleNamespace(info=print, warning=print))
    hook = LrMultiplierWindowHook(end=3)
    with pytest.raises(RuntimeError, match='paramwise_cfg'):
        hook.before_train(runner)
    with pytest.raises(ValueError, match='lr_mult must be in'):
        LrMultiplierWindowHook(end=3, lr_mult=2)
    with pytest.raises(RuntimeError, match='no parameter'):
        LrMultiplierWindowHook(end=3, prefix='encoder').before_train(runner)


@pytest.mark.parametrize('max_iters,warns', [(20, True), (50, True),
                                             (51, False)])
def test_lr_window_hook_warns_when_the_window_outlasts_training(
        max_iters, warns):
    """A window that ends at or after max_iters keeps the prefix frozen for
    the whole run: said at the start (as GradualGroupingHook does)."""
    import torch
    import torch.nn as nn
    from mmengine.optim import OptimWrapper
    from mmseg_efficient.engine.hooks import LrMultiplierWindowHook
    model = nn.ModuleDict(dict(backbone=nn.Linear(2, 2), head=nn.Linear(2, 2)))
    optimizer = torch.optim.Adam([
        dict(params=model.backbone.parameters()),
        dict(params=model.head.parameters())
    ])
    warnings = []
    runner = types.SimpleNamespace(
        model=model, max_iters=max_iters,
        optim_wrapper=OptimWrapper(optimizer),
        logger=types.SimpleNamespace(info=lambda m: None,
                                     warning=warnings.append))
    LrMultiplierWindowHook(end=50).before_train(runner)
    if warns:
        assert len(warnings) == 1
        assert f'end=50 is not before the end of training ({max_iters} ' \
            'iterations)' in warnings[0]
        assert "('backbone',) train at lr x 1e-16 for the whole run" in \
            warnings[0]
    else:
        assert warnings == []
