# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The phase-1 label-downsampling head."""

import pytest
import torch
import torch.nn.functional as F

import mmseg_efficient  # noqa: F401  (registration)
from mmseg_efficient.models.decode_heads import (LabelDownsampleHead,
                                                 downsample_label)



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
