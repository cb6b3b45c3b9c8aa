# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Gradual grouping (issue 4): maskable conv, alpha schedule hook, encoder
lr freeze, phase-1 label-downsampling head, deploy conversion, class
weights."""
import importlib.util
import json
import math
import os
import os.path as osp
import re
import socket
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import mmseg_efficient  # noqa: F401  (registration)
from mmseg_efficient.datasets.class_weights import (compute_class_weights,
                                                    effective_number_weights,
                                                    enet_weights,
                                                    inverse_frequency_weights,
                                                    median_frequency_weights)
from mmseg_efficient.engine.hooks import GradualGroupingHook, LrFreezeHook
from mmseg_efficient.models.decode_heads import (LabelDownsampleHead,
                                                 downsample_label)
from mmseg_efficient.models.layers import (MaskedGroupConv2d,
                                           build_maskable_pointwise_conv,
                                           convert_to_grouped,
                                           deploy_conv_cfgs, get_masked_convs,
                                           set_alpha)

from conftest import REPO  # noqa: E402
DEMO_CFG = osp.join(REPO, 'configs', 'essnet', 'gradual_grouping',
                    'mobilenet-v2-d8-gg2_fcn_1xb4-1k_streetscenes-256x512.py')


def _load_tool(rel_path):
    """Import a tool script (tools/...) as a module."""
    name = 'tool_' + re.sub(r'\W', '_', rel_path)
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(REPO, rel_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


class _ToyNet(nn.Module):
    """Two ConvModules with grouped 1x1 convs built through a conv_cfg."""

    def __init__(self, conv_cfg):
        super().__init__()
        from mmcv.cnn import ConvModule
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.blocks = nn.Sequential(
            ConvModule(
                8, 8, 1, groups=2, conv_cfg=conv_cfg,
                norm_cfg=dict(type='BN')),
            ConvModule(
                8,
                16,
                3,
                padding=1,
                groups=4,
                conv_cfg=conv_cfg,
                norm_cfg=dict(type='BN')))
        self.head = nn.Conv2d(16, 5, 1)

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


def test_convert_to_grouped_model_and_refusal():
    torch.manual_seed(3)
    model = _ToyNet(dict(type='MaskedGroupConv2d')).eval()
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
    plain = _ToyNet(None)
    assert list(model.state_dict()) == list(plain.state_dict())
    plain.load_state_dict(model.state_dict(), strict=True)
    torch.testing.assert_close(plain.eval()(x), ref, atol=1e-5, rtol=1e-5)
    # a bare maskable conv converts to its grouped conv
    conv = MaskedGroupConv2d(4, 4, 1, groups=2, alpha=0.0)
    assert type(convert_to_grouped(conv)) is nn.Conv2d


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
    model = _ToyNet(dict(type='MaskedGroupConv2d'))
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
    runner.model = _ToyNet(dict(type='MaskedGroupConv2d'))
    with pytest.raises(RuntimeError, match="name_pattern='decoder'"):
        hook._collect(runner)


# ---------------------------------------------------------------------------
# 3. Phase-1 head and class weights
# ---------------------------------------------------------------------------
def test_downsample_label_nearest_and_mode():
    torch.manual_seed(4)
    label = torch.randint(0, 19, (2, 1, 64, 128))
    label[0, 0, :16, :16] = 255
    near = downsample_label(label, (8, 16))
    assert torch.equal(near, label[:, :, 4::8, 4::8])  # centre sample
    assert near.dtype == label.dtype
    assert (near[0, 0, :2, :2] == 255).all()
    # mode: ignored pixels do not vote; an all-ignored cell stays ignored
    lab = torch.full((1, 4, 4), 255, dtype=torch.long)
    lab[0, 0, 2:] = torch.tensor([3, 3])
    lab[0, 2:, :2] = torch.tensor([[1, 1], [1, 2]])
    lab[0, 2:, 2:] = torch.tensor([[5, 6], [6, 5]])
    out = downsample_label(lab, (2, 2), mode='mode', num_classes=19)
    assert out.tolist() == [[[255, 3], [1, 5]]]  # 5/6 tie -> smaller id
    with pytest.raises(ValueError, match="'bilinear'"):
        downsample_label(lab, (2, 2), mode='bilinear')


def test_label_downsample_head_loss():
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    torch.manual_seed(5)
    head = LabelDownsampleHead(
        in_channels=16,
        num_classes=19,
        loss_decode=dict(type='CrossEntropyLoss', avg_non_ignore=True))
    assert head.dropout is None and head.conv_seg.in_channels == 16
    feats = torch.randn(2, 16, 8, 16)
    samples = []
    labels = torch.randint(0, 19, (2, 64, 128))
    labels[1, :32] = 255
    for lab in labels:
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=lab[None])
        samples.append(s)
    logits = head.forward([feats])
    assert logits.shape == (2, 19, 8, 16)  # no upsampling of the logits
    losses = head.loss_by_feat(logits, samples)
    small = labels[:, 4::8, 4::8]
    expected = F.cross_entropy(logits, small, ignore_index=255)
    torch.testing.assert_close(losses['loss_ce'], expected)
    with pytest.raises(ValueError, match='channels \\(8\\)'):
        LabelDownsampleHead(in_channels=16, channels=8, num_classes=19)


def test_class_weight_formulas_hand_computed():
    counts = [70, 20, 10, 0]
    np.testing.assert_allclose(
        enet_weights(counts, c=1.10), [
            1 / math.log(1.8), 1 / math.log(1.3), 1 / math.log(1.2),
            1 / math.log(1.1)
        ])
    np.testing.assert_allclose(
        enet_weights(counts),
        [1.70129753, 3.81149469, 5.48481495, 10.49205869],
        rtol=1e-8)
    np.testing.assert_allclose(
        inverse_frequency_weights(counts), [100 / 280, 1.25, 2.5, 0.0])
    np.testing.assert_allclose(
        median_frequency_weights(counts), [0.2 / 0.7, 1.0, 2.0, 0.0])
    # SegNet's definition: frequency within the images holding the class
    np.testing.assert_allclose(
        median_frequency_weights(counts, image_pixels=[100, 50, 40, 0]),
        [0.4 / 0.7, 1.0, 1.6, 0.0])
    np.testing.assert_allclose(
        effective_number_weights(counts, beta=0.9),
        [0.81697836, 0.92946808, 1.25355356, 0.0],
        rtol=1e-7)
    # effective number: beta -> 0 gives uniform weights
    np.testing.assert_allclose(
        effective_number_weights(counts, beta=0.0), [1, 1, 1, 0])
    allw = compute_class_weights(counts, c=1.2, beta=0.9)
    assert set(allw) == {'enet', 'inverse', 'median', 'effective'}
    np.testing.assert_allclose(allw['enet'][0], 1 / math.log(1.9))
    with pytest.raises(ValueError, match='c=1.0'):
        enet_weights(counts, c=1.0)
    with pytest.raises(ValueError, match='all zero'):
        enet_weights([0, 0])


def test_class_stats_tool(street_data, tmp_path, capsys):
    from PIL import Image
    tool = _load_tool('tools/analysis_tools/class_stats.py')
    out = tmp_path / 'stats.json'
    tool.main([
        DEMO_CFG, '--out',
        str(out), '--cfg-options',
        f'train_dataloader.dataset.data_root={street_data}'
    ])
    stats = json.loads(out.read_text())
    expected = np.zeros(19, dtype=np.int64)
    files = []
    for root, _, names in os.walk(osp.join(street_data, 'gtFine', 'train')):
        files += [
            osp.join(root, n) for n in names
            if n.endswith('_labelTrainIds.png')
        ]
    for f in files:
        expected += np.bincount(
            np.asarray(Image.open(f)).ravel(), minlength=256)[:19]
    assert stats['num_images'] == len(files) == 8
    assert stats['counts'] == expected.tolist()
    np.testing.assert_allclose(stats['weights']['enet'],
                               enet_weights(expected, c=1.10))
    assert 'class_weight=[' in capsys.readouterr().out


# ---------------------------------------------------------------------------
# 4. Under mmengine's Runner (tiny MobileNetV2 on the street scenes)
# ---------------------------------------------------------------------------
HELPERS = '''
import json, os
from mmengine.dist import get_rank
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS, METRICS
from mmseg_efficient.models.layers import get_masked_convs


@HOOKS.register_module(force=True)
class AlphaRecorderHook(Hook):
    """Writes iter -> alpha of every maskable conv (as seen by the forward)
    and the param-group lrs to ``<work_dir>/record_rank<r>.jsonl``; kills
    its own process at ``kill_at`` (simulated crash)."""
    priority = 'LOW'

    def __init__(self, kill_at=None):
        self.kill_at = kill_at

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self.kill_at is not None and runner.iter == self.kill_at:
            os.kill(os.getpid(), 9)
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        rec = dict(
            iter=runner.iter,
            alphas=[float(m.alpha) for _, m in get_masked_convs(model)],
            lrs=[g['lr'] for g in runner.optim_wrapper.param_groups])
        path = os.path.join(runner.work_dir,
                            f'record_rank{get_rank()}.jsonl')
        with open(path, 'a') as f:
            f.write(json.dumps(rec) + '\\n')


@METRICS.register_module(force=True)
class ConstantMIoU(BaseMetric):
    """mIoU that never improves: drives ReduceOnPlateau deterministically."""

    def process(self, data_batch, data_samples):
        self.results.append(0)

    def compute_metrics(self, results):
        return dict(mIoU=50.0)
'''


def _tiny_cfg_text(data_root,
                   work_dir,
                   max_iters=4,
                   gg=None,
                   extra='',
                   val=False):
    """A tiny phase-1 style config: MobileNetV2 (x0.25, 1/8 output) with
    maskable 1x1 convs and the label-downsampling 1x1 head, 32x64 crops."""
    gg = gg or dict(type='GradualGroupingHook', begin=0, end=2)
    no_val = '' if val else (
        'val_dataloader = None\nval_evaluator = None\nval_cfg = None\n')
    return textwrap.dedent(f'''
        _base_ = [{DEMO_CFG!r}]
        custom_imports = dict(
            imports=['mmseg_efficient', 'gg_test_helpers'],
            allow_failed_imports=False)
        work_dir = {work_dir!r}
        data_root = {data_root!r}
        crop_size = (32, 64)
        model = dict(
            data_preprocessor=dict(size=crop_size),
            backbone=dict(widen_factor=0.25, dilations=(1,) * 7,
                          out_indices=(4, 6)),
            decode_head=dict(
                _delete_=True, type='LabelDownsampleHead', in_channels=80,
                in_index=1, num_classes=19,
                loss_decode=dict(type='CrossEntropyLoss',
                                 class_weight=[1.0] * 19)))
        train_pipeline = [
            dict(type='LoadImageFromFile'),
            dict(type='LoadCheckedAnnotations', num_classes=19),
            dict(type='RandomCrop', crop_size=crop_size),
            dict(type='PackSegInputs')
        ]
        test_pipeline = [
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=(64, 32), keep_ratio=True),
            dict(type='LoadCheckedAnnotations', num_classes=19),
            dict(type='PackSegInputs')
        ]
        train_dataloader = dict(
            batch_size=2, num_workers=0, persistent_workers=False,
            dataset=dict(data_root=data_root, pipeline=train_pipeline))
        val_dataloader = dict(
            num_workers=0, persistent_workers=False,
            dataset=dict(data_root=data_root, pipeline=test_pipeline))
        test_dataloader = val_dataloader
        param_scheduler = []
        train_cfg = dict(max_iters={max_iters}, val_interval=1000)
        custom_hooks = [{gg!r}, dict(type='AlphaRecorderHook')]
        default_hooks = dict(
            logger=dict(interval=1),
            checkpoint=dict(interval=2, max_keep_ckpts=-1),
            visualization=dict(type='SegVisualizationHook', draw=False))
        log_level = 'WARNING'
        ''') + no_val + textwrap.dedent(extra)


@pytest.fixture(scope='module')
def helpers_dir(tmp_path_factory):
    """An importable ``gg_test_helpers`` module (recorder hook, constant
    metric) for in-process runs and for the tools/train.py subprocesses."""
    mod_dir = tmp_path_factory.mktemp('pymods')
    (mod_dir / 'gg_test_helpers.py').write_text(HELPERS)
    sys.path.insert(0, str(mod_dir))
    sys.modules.pop('gg_test_helpers', None)
    yield str(mod_dir)
    sys.path.remove(str(mod_dir))


def _write_cfg(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _run(cfg_path, **overrides):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(cfg_path)
    cfg.merge_from_dict(overrides)
    cfg.experiment_name = osp.basename(cfg.work_dir)
    cfg.visualizer.name = 'vis_' + osp.basename(cfg.work_dir)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def _records(work_dir, rank=0):
    path = osp.join(work_dir, f'record_rank{rank}.jsonl')
    with open(path) as f:
        return [json.loads(line) for line in f]


def _ckpt_alphas(path):
    sd = torch.load(path, map_location='cpu', weights_only=False)
    return [
        float(v) for k, v in sd['state_dict'].items() if k.endswith('.alpha')
    ]


GG_LINEAR_4 = dict(type='GradualGroupingHook', begin=0, end=4)


@pytest.fixture(scope='module')
def gg_run(street_data, helpers_dir, tmp_path_factory):
    """One uninterrupted 6-iteration run, alpha linear 1 -> 0 over 0..4,
    checkpoints every 2 iterations."""
    tmp = tmp_path_factory.mktemp('gg_run')
    work = str(tmp / 'full')
    cfg = _write_cfg(tmp, 'full.py',
                     _tiny_cfg_text(street_data, work, 6, GG_LINEAR_4))
    runner = _run(cfg)
    return types.SimpleNamespace(
        cfg=cfg,
        work=work,
        records=_records(work),
        history=runner.message_hub.get_scalar('train/alpha'))


def test_hook_in_runner_sets_and_logs_alpha(gg_run):
    recs = gg_run.records
    # alpha seen by each forward pass, for all 33 maskable convs
    assert [r['iter'] for r in recs] == list(range(6))
    assert [set(r['alphas']) for r in recs] == [{1.0}, {0.75}, {0.5}, {0.25},
                                                {0.0}, {0.0}]
    assert len(recs[0]['alphas']) == 33
    # logged to the message hub and, through LoggerHook, the visualizer
    assert list(gg_run.history.data[0]) == [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    scalars = [
        json.loads(line) for root, _, names in os.walk(gg_run.work)
        for n in names if n == 'scalars.json'
        for line in open(osp.join(root, n))
    ]
    assert [s['alpha'] for s in scalars] == [1.0, 0.75, 0.5, 0.25, 0, 0]
    # the checkpoint holds the alpha of its last iteration
    assert set(_ckpt_alphas(osp.join(gg_run.work, 'iter_2.pth'))) == {0.75}
    assert set(_ckpt_alphas(osp.join(gg_run.work, 'iter_6.pth'))) == {0.0}


def test_convert_grouped_tool(gg_run, tmp_path):
    tool = _load_tool('tools/deploy/convert_grouped.py')
    out = str(tmp_path / 'deploy' / 'grouped.pth')
    tool.main([
        gg_run.cfg,
        osp.join(gg_run.work, 'iter_6.pth'), out, '--shape', '64', '128'
    ])
    deploy_cfg = out[:-4] + '_deploy.py'
    assert osp.isfile(out) and osp.isfile(deploy_cfg)
    sd = torch.load(out, map_location='cpu', weights_only=False)['state_dict']
    assert not any(k.endswith('.alpha') for k in sd)
    pw = sd['backbone.layer2.0.conv.0.conv.weight']  # 8 -> 48, 2 groups
    assert pw.shape == (48, 4, 1, 1)
    from mmengine.config import Config
    conv_cfg = Config.fromfile(deploy_cfg).model.backbone.conv_cfg
    assert conv_cfg.deploy is True
    # refusal of a checkpoint whose alpha is not 0, naming module and alpha
    with pytest.raises(tool.AlphaNotZeroError) as err:
        tool.main([
            gg_run.cfg,
            osp.join(gg_run.work, 'iter_2.pth'),
            str(tmp_path / 'x.pth')
        ])
    msg = str(err.value)
    assert 'backbone.layer1.0.conv.1.conv: alpha=0.75' in msg
    assert '33 of 33' in msg and not osp.exists(tmp_path / 'x.pth')


def test_hook_in_epoch_based_loop_and_end_warning(street_data, tmp_path,
                                                  helpers_dir):
    """by_epoch=True in an EpochBasedTrainLoop; the schedule ends after
    training, so alpha > 0 at the end is warned about (start and end)."""
    work = str(tmp_path / 'run')
    extra = '''
        train_dataloader['batch_size'] = 4
        train_dataloader['sampler'] = dict(
            type='DefaultSampler', shuffle=True)
        train_cfg = dict(
            _delete_=True, type='EpochBasedTrainLoop', max_epochs=2,
            val_interval=100)
        default_hooks['checkpoint'] = dict(by_epoch=True, interval=10)
        log_processor = dict(by_epoch=True)
        log_level = 'INFO'
        '''
    gg = dict(type='GradualGroupingHook', begin=0, end=3, by_epoch=True)
    cfg = _write_cfg(tmp_path, 'gg.py',
                     _tiny_cfg_text(street_data, work, gg=gg, extra=extra))
    _run(cfg)
    # 8 images / batch 4 = 2 iterations per epoch; alpha 1, 2/3 per epoch
    assert [r['alphas'][0]
            for r in _records(work)] == pytest.approx([1.0, 1.0, 2 / 3, 2 / 3])
    log = open([
        osp.join(r, n) for r, _, ns in os.walk(work) for n in ns
        if n.endswith('.log')
    ][0]).read()
    assert ('end=3 is not before the end of training (2 epochs): the last '
            'epoch trains with alpha=0.666667 > 0') in log
    assert 'training ended with alpha=0.666667 > 0 in 33 maskable' in log

    # by_epoch=True in an iteration-based loop is refused
    cfg2 = _write_cfg(
        tmp_path, 'gg2.py',
        _tiny_cfg_text(
            street_data,
            str(tmp_path / 'run2'),
            gg=dict(type='GradualGroupingHook', end=2, by_epoch=True)))
    with pytest.raises(ValueError, match='needs an epoch-based train loop'):
        _run(cfg2)


def _tool_env(extra_path):
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1')
    env['PYTHONPATH'] = os.pathsep.join([extra_path, REPO] + (
        [env['PYTHONPATH']] if env.get('PYTHONPATH') else []))
    return env


def test_resume_after_kill_restores_alpha(street_data, tmp_path, helpers_dir,
                                          gg_run):
    """tools/train.py killed (SIGKILL) before iteration 3, then resumed with
    --resume from its iteration-2 checkpoint: every iteration has the alpha
    of the uninterrupted run."""
    expected = {r['iter']: r['alphas'] for r in gg_run.records}
    work = str(tmp_path / 'killed')
    text = _tiny_cfg_text(street_data, work, 6, GG_LINEAR_4)
    killed = _write_cfg(
        tmp_path, 'killed.py',
        text.replace("dict(type='AlphaRecorderHook')",
                     "dict(type='AlphaRecorderHook', kill_at=3)"))
    env = _tool_env(helpers_dir)
    train = [sys.executable, osp.join(REPO, 'tools', 'train.py')]
    first = subprocess.run(
        train + [killed],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300)
    assert first.returncode == -9, first.stderr[-3000:]
    assert osp.isfile(osp.join(work, 'iter_2.pth'))
    assert not osp.isfile(osp.join(work, 'iter_4.pth'))
    # the checkpoint holds alpha(1) = 0.75; the run resumes at iteration 2
    assert set(_ckpt_alphas(osp.join(work, 'iter_2.pth'))) == {0.75}
    resume = _write_cfg(tmp_path, 'resume.py', text)
    second = subprocess.run(
        train + [resume, '--resume'],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300)
    assert second.returncode == 0, second.stderr[-3000:]
    recs = _records(work)
    assert [r['iter'] for r in recs] == [0, 1, 2, 2, 3, 4, 5]
    for r in recs:
        assert r['alphas'] == expected[r['iter']], r['iter']
    assert set(_ckpt_alphas(osp.join(work, 'iter_6.pth'))) == {0.0}


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.mark.skipif(
    not osp.isfile(osp.join(REPO, 'tools', 'dist_train.sh')),
    reason='tools/dist_train.sh missing')
def test_ddp_two_processes_same_alpha(street_data, tmp_path, helpers_dir):
    """tools/dist_train.sh with 2 CPU (gloo) processes: both ranks use the
    same alpha at every iteration."""
    work = str(tmp_path / 'ddp')
    gg = dict(type='GradualGroupingHook', begin=1, end=3, shape='cosine')
    cfg = _write_cfg(tmp_path, 'ddp.py',
                     _tiny_cfg_text(street_data, work, 4, gg))
    env = _tool_env(helpers_dir)
    env.update(PYTHON=sys.executable, PORT=str(_free_port()))
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'dist_train.sh'), cfg, '2'],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300)
    assert proc.returncode == 0, (proc.stdout[-2000:], proc.stderr[-4000:])
    rank0, rank1 = _records(work, 0), _records(work, 1)
    assert [r['iter'] for r in rank0] == [0, 1, 2, 3]
    assert [r['alphas'] for r in rank0] == [r['alphas'] for r in rank1]
    assert [r['alphas'][0]
            for r in rank0] == pytest.approx([1.0, 1.0, 0.5, 0.0])


# ---------------------------------------------------------------------------
# 5. Phase-2 encoder lr freeze (+ ReduceOnPlateau on val mIoU)
# ---------------------------------------------------------------------------
def test_lr_freeze_hook_with_reduce_on_plateau(street_data, tmp_path,
                                               helpers_dir):
    """Encoder lr x 1e-16 for 5 iterations under ReduceOnPlateau on a val
    mIoU that never improves (validation every 2 iterations)."""
    work = str(tmp_path / 'freeze')
    extra = '''
        model['backbone']['conv_cfg'] = dict(alpha=0.0)
        optim_wrapper = dict(
            optimizer=dict(type='Adam', lr=1e-3, weight_decay=2e-4),
            paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0)}))
        param_scheduler = [
            dict(type='ReduceOnPlateauLR', monitor='mIoU', rule='greater',
                 factor=0.5, patience=0, by_epoch=True)
        ]
        train_cfg = dict(max_iters=6, val_interval=2)
        val_evaluator = dict(_delete_=True, type='ConstantMIoU')
        custom_hooks = [
            dict(type='LrFreezeHook', end=5, prefix='backbone',
                 lr_mult=1e-16),
            dict(type='AlphaRecorderHook')
        ]
        default_hooks['checkpoint'] = dict(interval=100)
        '''
    cfg = _write_cfg(tmp_path, 'freeze.py',
                     _tiny_cfg_text(street_data, work, extra=extra, val=True))
    runner = _run(cfg)
    model = runner.model
    names = {id(p): n for n, p in model.named_parameters()}
    groups = runner.optim_wrapper.optimizer.param_groups
    is_bb = [names[id(g['params'][0])].startswith('backbone.') for g in groups]
    assert any(is_bb) and not all(is_bb)
    # lr seen by each optimizer step; val (constant mIoU) after iters 1, 3,
    # 5 -> ReduceOnPlateau halves every group after the 2nd and 3rd
    head = {0: 1e-3, 1: 1e-3, 2: 1e-3, 3: 1e-3, 4: 5e-4, 5: 5e-4}
    backbone = {0: 1e-19, 1: 1e-19, 2: 1e-19, 3: 1e-19, 4: 5e-20, 5: 5e-4}
    for r in _records(work):
        lrs = r['lrs'][:len(groups)]
        i = r['iter']
        for lr, bb in zip(lrs, is_bb):
            assert lr == pytest.approx(
                backbone[i] if bb else head[i], rel=1e-9), (i, bb)
        assert r['lrs'][-1] == pytest.approx(head[i])  # base_lr group
    # after training: real lrs restored, all halved by the last plateau
    assert [g['lr'] for g in groups] == pytest.approx([2.5e-4] * len(groups))
    hist = runner.message_hub.get_scalar('train/lr').data[0]
    assert list(hist[:5]) == pytest.approx([1e-19] * 4 + [5e-20])


def test_lr_freeze_hook_refuses_mixed_param_groups():
    from mmengine.optim import OptimWrapper
    model = nn.ModuleDict(dict(backbone=nn.Linear(2, 2), head=nn.Linear(2, 2)))
    runner = types.SimpleNamespace(
        model=model,
        optim_wrapper=OptimWrapper(torch.optim.Adam(model.parameters())),
        logger=types.SimpleNamespace(info=print, warning=print))
    hook = LrFreezeHook(end=3)
    with pytest.raises(RuntimeError, match='paramwise_cfg'):
        hook.before_train(runner)
    with pytest.raises(ValueError, match='lr_mult must be in'):
        LrFreezeHook(end=3, lr_mult=2)
    with pytest.raises(RuntimeError, match='no parameter'):
        LrFreezeHook(end=3, prefix='encoder').before_train(runner)


# ---------------------------------------------------------------------------
# 6. Deploy conversion of the ESSNet models (issue 3's configs)
# ---------------------------------------------------------------------------
# The grouped part of the ESSNetB / ESSNet encoder: 13 Conv-modules, two
# C x C pointwise convs each (5 at 64, 8 at 128 channels).
ESSNET_PW_WEIGHTS = 2 * (5 * 64**2 + 8 * 128**2)  # 303,104


@pytest.mark.parametrize('masked_cfg,deploy_cfg,groups', [
    ('gradual_grouping/essnet-dg2_gg-p2_ups_1xb6-75k_cityscapes-512x1024.py',
     'essnet-dg2_ups_1xb6-75k_cityscapes-512x1024.py', 2),
    (None, 'essnetb-dg8s_deconv_1xb6-75k_cityscapes-512x1024.py', 8),
])
def test_convert_essnet(masked_cfg, deploy_cfg, groups, tmp_path, capsys):
    """Masked model at alpha = 0 -> grouped checkpoint that loads (strictly)
    into the grouped-from-scratch config with the same logits and argmax
    (ESSNet-DG2 through its phase-2 config; ESSNetB-DG8S, whose shuffles
    follow the grouped convs, through its config with maskable convs)."""
    from mmseg_efficient.utils import build_segmentor, count_params, \
        load_config
    cfg_dir = osp.join(REPO, 'configs', 'essnet')
    deploy_cfg = osp.join(cfg_dir, deploy_cfg)
    if masked_cfg is None:
        masked_cfg = _write_cfg(
            tmp_path, 'masked.py',
            textwrap.dedent(f'''
            _base_ = [{deploy_cfg!r}]
            model = dict(backbone=dict(pw_conv_cfg=dict(
                _delete_=True, type='MaskedGroupConv2d')))
            '''))
    else:
        masked_cfg = osp.join(cfg_dir, masked_cfg)
    torch.manual_seed(0)
    model = build_segmentor(load_config(masked_cfg), drop_auxiliary=False)
    convs = get_masked_convs(model)
    assert len(convs) == 26 and {c.target_groups for _, c in convs} == {groups}
    with torch.no_grad():  # non-trivial BN statistics
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    set_alpha(model, 0.0)
    ckpt = str(tmp_path / 'masked.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)

    tool = _load_tool('tools/deploy/convert_grouped.py')
    out = str(tmp_path / 'grouped.pth')
    tool.main([
        masked_cfg, ckpt, out, '--deploy-config', deploy_cfg, '--shape', '128',
        '256'
    ])
    printed = capsys.readouterr().out
    assert printed.count('identical argmax: True') == 2
    diffs = [
        float(d) for d in re.findall(r'max \|logit diff\| = (\S+),', printed)
    ]
    assert len(diffs) == 2 and max(diffs) <= 1e-4
    grouped = build_segmentor(load_config(deploy_cfg), drop_auxiliary=False)
    saved = torch.load(out, map_location='cpu')['state_dict']
    assert set(saved) == set(grouped.state_dict())
    # the grouped parameter count: (1 - 1/g) of the pointwise weights fewer
    saved_params = sum(v.numel() for k, v in saved.items()
                       if k in dict(grouped.named_parameters()))
    assert saved_params == count_params(grouped)
    assert count_params(model) - saved_params == \
        ESSNET_PW_WEIGHTS - ESSNET_PW_WEIGHTS // groups


def test_phase2_loads_phase1_encoder(tmp_path):
    """The phase-2 config initialises its backbone (alpha buffers included)
    from the phase-1 checkpoint; the phase-1 head and the decoder are not
    mixed up."""
    from mmseg_efficient.utils import build_segmentor, load_config
    gg = osp.join(REPO, 'configs', 'essnet', 'gradual_grouping')
    torch.manual_seed(0)
    p1 = build_segmentor(
        load_config(
            osp.join(gg,
                     'essnetb-dg4_gg-p1-enc_1xb6-50k_cityscapes-512x1024.py')))
    assert type(p1.decode_head).__name__ == 'LabelDownsampleHead'
    assert p1.decode_head.conv_seg.weight.shape == (19, 128, 1, 1)
    set_alpha(p1, 0.0)
    ckpt = str(tmp_path / 'iter_50000.pth')
    torch.save(dict(state_dict=p1.state_dict()), ckpt)
    cfg = load_config(
        osp.join(gg,
                 'essnetb-dg4_gg-p2_deconv_1xb6-75k_cityscapes-512x1024.py'),
        {'model.backbone.init_cfg.checkpoint': ckpt})
    p2 = build_segmentor(cfg)
    assert {float(c.alpha) for _, c in get_masked_convs(p2)} == {0.0}
    p2.init_weights()
    for key, value in p1.backbone.state_dict().items():
        assert torch.equal(p2.backbone.state_dict()[key], value), key
    assert type(p2.decode_head).__name__ == 'ERFNetHead'
    assert cfg.custom_hooks[0].type == 'LrFreezeHook'


GG_CFG_DIR = osp.join(REPO, 'configs', 'essnet', 'gradual_grouping')
GG_CONFIGS = sorted(f for f in os.listdir(GG_CFG_DIR) if f.endswith('.py'))


def test_gradual_grouping_config_set():
    """Thesis §3.5.1: ESSNetA and ESSNetB encoders (ESSNet's is ESSNetB's,
    so ESSNet-DG<n> has no phase-1 config of its own on Cityscapes)."""
    names = {n for n in GG_CONFIGS if '_cityscapes-' in n}
    encoders = [f'essnet{m}-dg{g}' for m in 'ab' for g in (2, 4, 8)]
    for model in encoders:
        assert any(n.startswith(f'{model}_gg-p1-enc_') for n in names), model
    for model in encoders + ['essnet-dg2', 'essnet-dg4']:
        assert any(n.startswith(f'{model}_gg-p2_') for n in names), model
    assert not any(n.startswith('essnet-dg') and '_gg-p1-enc_' in n
                   for n in names)


@pytest.mark.parametrize('name', GG_CONFIGS)
def test_gradual_grouping_configs(name):
    """Every config builds; phase-1 schedules reach alpha = 0 before the
    end; phase 2 loads the last checkpoint of its phase 1, freezes the
    encoder lr through per-parameter groups and keeps alpha = 0."""
    from mmseg_efficient.utils import build_segmentor, load_config
    cfg = load_config(osp.join(GG_CFG_DIR, name))
    model = build_segmentor(cfg)
    convs = get_masked_convs(model)
    assert convs or '_ups_1xb4-600i_' in name  # (a) of the street demo
    hooks = {h['type']: h for h in cfg.get('custom_hooks', [])}
    loss = cfg.model.decode_head.loss_decode
    if 'essnet' in name:
        assert len(loss.class_weight) == 19
        assert cfg.optim_wrapper.optimizer.lr == 5e-4
        assert cfg.optim_wrapper.optimizer.weight_decay == 2e-4
        assert cfg.param_scheduler[0].type == 'ReduceOnPlateauLR'
        assert cfg.param_scheduler[0].factor == 0.5
        assert cfg.model.backbone.norm_cfg.eps == 1e-3
    if '_gg-p1-enc_' in name:
        assert type(model.decode_head) is LabelDownsampleHead
        gg = hooks['GradualGroupingHook']
        assert gg.get('begin', 0) < gg.end < cfg.train_cfg.max_iters
        assert {float(c.alpha) for _, c in convs} == {1.0}
        assert not cfg.default_hooks.checkpoint.get('save_best')
    elif '_gg-p2_' in name:
        assert {float(c.alpha) for _, c in convs} == {0.0}
        assert 'LrFreezeHook' in hooks
        assert cfg.optim_wrapper.paramwise_cfg.custom_keys['backbone']
        init = cfg.model.backbone.init_cfg
        assert init.type == 'Pretrained' and init.prefix == 'backbone.'
        p1_stem = osp.basename(osp.dirname(init.checkpoint))
        p1_cfg = load_config(osp.join(GG_CFG_DIR, p1_stem + '.py'))
        assert osp.basename(init.checkpoint) == \
            f'iter_{p1_cfg.train_cfg.max_iters}.pth'
        assert p1_cfg.model.backbone.variant == cfg.model.backbone.variant
