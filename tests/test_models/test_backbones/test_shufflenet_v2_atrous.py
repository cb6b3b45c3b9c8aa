# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""ShuffleNetV2Atrous: output strides, dilations, counts and the
mmpretrain classifier -> segmentation backbone checkpoint round trip."""
import pytest
import torch
import torch.nn as nn
from mmengine.registry import DefaultScope
from mmengine.runner import checkpoint as mmengine_checkpoint
from mmpretrain.registry import MODELS as PRETRAIN_MODELS

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmseg_efficient.models.backbones import ShuffleNetV2Atrous



def _build_pretrain(cfg):
    """Build from mmpretrain's registry whatever the current default scope."""
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return PRETRAIN_MODELS.build(cfg)


# Stage output sizes of a 1x3x64x128 input and the depthwise dilation of
# every unit (DeepLab's rule: a stage's first unit keeps the previous rate).
EXPECTED = {
    32: ([(16, 32), (8, 16), (4, 8), (2, 4)][1:],
         [[1] * 4, [1] * 8, [1] * 4]),
    16: ([(8, 16), (4, 8), (4, 8)], [[1] * 4, [1] * 8, [1, 2, 2, 2]]),
    8: ([(8, 16), (8, 16), (8, 16)], [[1] * 4, [1] + [2] * 7, [2, 4, 4, 4]]),
}


def _dw_convs(unit):
    return [m for m in unit.modules()
            if isinstance(m, nn.Conv2d) and m.groups == m.in_channels > 1]


@pytest.mark.parametrize('output_stride', [32, 16, 8])
def test_output_stride_sizes_and_dilations(output_stride):
    sizes, dilations = EXPECTED[output_stride]
    model = ShuffleNetV2Atrous(
        output_stride=output_stride, out_indices=(0, 1, 2)).eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 64, 128))
    assert [tuple(o.shape[2:]) for o in outs] == sizes
    assert [o.shape[1] for o in outs] == [116, 232, 464]
    assert model.out_channels == (116, 232, 464)
    assert model.dilations == dilations
    for stage, stage_dilations in zip(model.layers, dilations):
        for unit, dilation in zip(stage, stage_dilations):
            dws = _dw_convs(unit)
            assert dws and all(m.dilation == (dilation, dilation) and
                               m.padding == (dilation, dilation)
                               for m in dws)
    # no conv5: the last module is stage 4
    assert len(model.layers) == 3


def test_conv5_dropped_and_counts():
    # mmpretrain's ShuffleNetV2 1.0x minus conv5 (464 -> 1024 + BN)
    full = _build_pretrain(dict(type='ShuffleNetV2'))
    n_full = sum(p.numel() for p in full.parameters())
    ours = sum(p.numel() for p in ShuffleNetV2Atrous().parameters())
    assert ours == n_full - (464 * 1024 + 2 * 1024) == 776420
    # the authors' down-sampling unit: 773,190 (reference report §2)
    tf = ShuffleNetV2Atrous(tf_downsample=True)
    assert sum(p.numel() for p in tf.parameters()) == 773190
    assert tf.layers[0][0].branch2[0].conv.out_channels == 24
    assert tf.layers[1][0].branch2[0].conv.out_channels == 116


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='output_stride'):
        ShuffleNetV2Atrous(output_stride=4)
    with pytest.raises(ValueError, match='out_indices'):
        ShuffleNetV2Atrous(out_indices=(3, ))


def _strict_load_state_dict(calls):
    original = mmengine_checkpoint.load_state_dict

    def load_state_dict(module, state_dict, strict=False, logger=None):
        calls.append(sorted(state_dict))
        # any missing or unexpected key raises with strict=True
        return original(module, state_dict, strict=True, logger=logger)

    return load_state_dict


@pytest.mark.parametrize('output_stride', [32, 16])
def test_mmpretrain_classifier_checkpoint_round_trip(tmp_path, monkeypatch,
                                                     output_stride):
    classifier = _build_pretrain(
        dict(
            type='ImageClassifier',
            backbone=dict(type='ShuffleNetV2', widen_factor=1.0),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='LinearClsHead',
                num_classes=1000,
                in_channels=1024,
                loss=dict(type='CrossEntropyLoss')))).eval()
    classifier.init_weights()
    with torch.no_grad():  # non-trivial BN statistics
        for m in classifier.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    ckpt = tmp_path / 'shufflenet_v2_in1k.pth'
    torch.save({'state_dict': classifier.state_dict(), 'meta': {}}, ckpt)
    calls = []
    monkeypatch.setattr(mmengine_checkpoint, 'load_state_dict',
                        _strict_load_state_dict(calls))
    model = ShuffleNetV2Atrous(
        output_stride=output_stride,
        init_cfg=dict(
            type='Pretrained', checkpoint=str(ckpt), prefix='backbone.'))
    model.init_weights()
    assert len(calls) == 1 and any(k.startswith('layers.3.')
                                   for k in calls[0])  # conv5 was offered
    ours = model.state_dict()
    theirs = classifier.backbone.state_dict()
    assert set(theirs) - set(ours) == {
        k for k in theirs if k.startswith('layers.3.')}
    for key, value in ours.items():
        assert torch.equal(value, theirs[key]), key
    if output_stride == 32:  # same network: same stage-4 features
        classifier.backbone.out_indices = (2, )
        model.eval()
        x = torch.randn(1, 3, 64, 64)
        with torch.no_grad():
            torch.testing.assert_close(
                model(x)[0], classifier.backbone(x)[0])
