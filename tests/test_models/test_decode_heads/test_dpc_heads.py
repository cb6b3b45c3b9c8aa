# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""BasicASPPHead and DPCHead: structure, the authors' counts, and that they
plug into mmseg like any decode head (aux heads, OHEM)."""
import pytest
import torch
import torch.nn as nn
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg_efficient.models.decode_heads import BasicASPPHead, DPCHead
from mmseg_efficient.utils import model_complexity

BN = dict(type='BN')


def _segmentor(head, output_stride=16, tf_downsample=True, head_extra=None,
               **extra):
    init_default_scope('mmseg')
    if head == 'basic':
        decode_head = dict(type='BasicASPPHead')
    else:
        decode_head = dict(type='DPCHead', rate_multiplier=16 // output_stride)
    decode_head.update(
        in_channels=464, channels=256, num_classes=19, dropout_ratio=0.1,
        norm_cfg=BN, align_corners=True, **(head_extra or {}))
    model = dict(
        type='EncoderDecoder',
        data_preprocessor=dict(
            type='SegDataPreProcessor', mean=[127.5] * 3, std=[127.5] * 3,
            bgr_to_rgb=True, pad_val=0, seg_pad_val=255),
        backbone=dict(
            type='ShuffleNetV2Atrous', output_stride=output_stride,
            out_indices=(1, 2), tf_downsample=tf_downsample, norm_cfg=BN),
        decode_head=dict(decode_head, in_index=1),
        test_cfg=dict(mode='whole'))
    model.update(extra)
    return MODELS.build(ConfigDict(model))


# The authors' TF-slim model at 19 classes (reference report §2): params and
# conv MACs at 224x224 (the paper's 0.47 / 0.65 GFLOPs are 2 x MACs).
REFERENCE = {'basic': (1148249, 0.231), 'dpc': (1506121, 0.324)}


@pytest.mark.parametrize('head', ['basic', 'dpc'])
def test_counts_match_the_authors_code(head):
    params, gmacs = REFERENCE[head]
    model = _segmentor(head).eval()
    assert sum(p.numel() for p in model.parameters()) == params
    info = model_complexity(model, (224, 224))
    assert round(info['conv_gmacs'], 3) == gmacs
    # mmpretrain's down-sampling unit (loads its ImageNet weights): +3,230
    mm = _segmentor(head, tf_downsample=False)
    assert sum(p.numel() for p in mm.parameters()) == params + 3230


def test_basic_head_structure():
    head = BasicASPPHead(in_channels=464, channels=256, num_classes=19,
                         norm_cfg=BN)
    assert isinstance(head.image_pool[0], nn.AdaptiveAvgPool2d)
    assert [m.conv.kernel_size for m in head.aspp_modules] == [(1, 1)]
    assert head.bottleneck.conv.kernel_size == (1, 1)
    assert head.bottleneck.conv.in_channels == 512
    assert isinstance(head.dropout, nn.Dropout2d)
    with pytest.raises(ValueError, match='bottleneck_kernel_size'):
        BasicASPPHead(in_channels=8, channels=8, num_classes=2,
                      bottleneck_kernel_size=2)


@pytest.mark.parametrize('multiplier', [1, 2])
def test_dpc_cell_structure(multiplier):
    head = DPCHead(in_channels=464, channels=256, num_classes=19,
                   norm_cfg=BN, rate_multiplier=multiplier)
    rates = [(1, 6), (18, 15), (6, 3), (1, 1), (6, 21)]
    for branch, rate, cin in zip(head.branches, rates,
                                 [464, 256, 256, 256, 256]):
        dw, pw = branch.depthwise_conv, branch.pointwise_conv
        expected = tuple(r * multiplier for r in rate)
        assert dw.conv.dilation == expected and dw.conv.padding == expected
        assert dw.conv.groups == dw.conv.in_channels == cin
        assert dw.with_norm and dw.activate is not None
        assert pw.conv.kernel_size == (1, 1) and pw.conv.out_channels == 256
        assert pw.with_norm and pw.activate is not None
    assert head.dpc_inputs == (-1, 0, 1, 0, 0)
    assert head.bottleneck.conv.in_channels == 1280
    # dropout on the concatenation, none before the classifier
    assert head.dropout is None
    assert isinstance(head.concat_dropout, nn.Dropout2d)


def test_dpc_branch_wiring():
    """b1 reads b0, b2 reads b1: zeroing b0's output changes b1, b2."""
    torch.manual_seed(0)
    head = DPCHead(in_channels=8, channels=4, num_classes=2,
                   dropout_ratio=0., norm_cfg=None).eval()
    seen = {}
    for i, branch in enumerate(head.branches):
        branch.register_forward_hook(
            lambda m, inp, out, i=i: seen.__setitem__(i, inp[0]))
    with torch.no_grad():
        head([torch.randn(1, 8, 16, 16)])
    assert seen[0].shape[1] == 8
    for j, src in enumerate([None, 0, 1, 0, 0]):
        if src is not None:
            assert seen[j].shape[1] == 4


def test_dpc_bad_arguments_are_named():
    kw = dict(in_channels=8, channels=4, num_classes=2)
    with pytest.raises(ValueError, match='dpc_inputs'):
        DPCHead(dpc_rates=((1, 1), (2, 2)), dpc_inputs=(-1, 1), **kw)
    with pytest.raises(ValueError, match='one entry per branch'):
        DPCHead(dpc_rates=((1, 1), ), dpc_inputs=(-1, 0), **kw)
    with pytest.raises(ValueError, match='rate_multiplier'):
        DPCHead(rate_multiplier=0, **kw)


@pytest.mark.parametrize('head', ['basic', 'dpc'])
def test_loss_with_aux_head_and_ohem(head):
    """Both heads train like any mmseg head: OHEM sampler, an FCN aux head
    on stage 3, and predictions at the input size."""
    model = _segmentor(
        head,
        head_extra=dict(
            sampler=dict(type='OHEMPixelSampler', thresh=0.7, min_kept=100)),
        auxiliary_head=dict(
            type='FCNHead', in_channels=232, in_index=0, channels=32,
            num_convs=1, num_classes=19, norm_cfg=BN,
            loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4)))
    assert model.decode_head.sampler is not None
    inputs = torch.randn(2, 3, 64, 96)
    samples = []
    for _ in range(2):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(0, 19, (1, 64, 96)))
        s.set_metainfo(dict(img_shape=(64, 96), ori_shape=(64, 96),
                            pad_shape=(64, 96)))
        samples.append(s)
    losses = model(inputs, samples, mode='loss')
    assert {'decode.loss_ce', 'aux.loss_ce'} <= set(losses)
    sum(losses[k] for k in losses if 'loss' in k).backward()
    model.eval()
    with torch.no_grad():
        preds = model(inputs, samples, mode='predict')
    assert preds[0].pred_sem_seg.data.shape == (1, 64, 96)


@pytest.mark.parametrize('head', ['basic', 'dpc'])
@pytest.mark.parametrize('output_stride', [16, 8])
def test_every_output_pixel_depends_on_the_input(head, output_stride):
    model = _segmentor(head, output_stride).eval()
    with torch.no_grad():
        a = model(torch.randn(1, 3, 64, 64), mode='tensor')
        b = model(torch.randn(1, 3, 64, 64), mode='tensor')
    assert a.shape == (1, 19, 64 // output_stride, 64 // output_stride)
    assert (a != b).any(dim=1).all()
