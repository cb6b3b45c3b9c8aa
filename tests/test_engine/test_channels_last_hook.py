# Copyright (c) mmseg_efficient contributors. All rights reserved.
from types import SimpleNamespace

import torch
import torch.nn as nn

from conftest import load_tool

from mmseg_efficient.engine.hooks import ChannelsLastHook


def test_weights_become_channels_last_and_outputs_stay():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1),
                          nn.Conv2d(8, 8, 3, padding=1, groups=4),
                          nn.BatchNorm2d(8))
    model.eval()
    x = torch.randn(2, 3, 16, 24)
    before = model(x)
    runner = SimpleNamespace(model=model)
    ChannelsLastHook().before_train(runner)
    conv = model[1].weight
    assert conv.is_contiguous(memory_format=torch.channels_last)
    assert not conv.is_contiguous()
    after = model(x)  # an NCHW input works as it is
    assert torch.allclose(before, after, atol=1e-5)
    # the state dict keeps shapes, so checkpoints load anywhere
    assert model.state_dict()['1.weight'].shape == (8, 2, 3, 3)


def test_train_py_adds_the_hook_once():
    from mmengine.config import Config
    train = load_tool('tools/train.py')
    cfg = Config(dict(custom_hooks=[dict(type='GradualGroupingHook')]))
    train.add_channels_last_hook(cfg)
    train.add_channels_last_hook(cfg)
    assert [h['type'] for h in cfg.custom_hooks] == [
        'GradualGroupingHook', 'ChannelsLastHook']
    bare = Config(dict())
    train.add_channels_last_hook(bare)
    assert [h['type'] for h in bare.custom_hooks] == ['ChannelsLastHook']
    assert train.parse_args(['c.py', '--channels-last']).channels_last
    assert not train.parse_args(['c.py']).channels_last
