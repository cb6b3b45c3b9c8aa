# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Encoder-only training head: a 1x1 classifier whose loss is computed on
labels downsampled to the feature resolution (ERFNet / ESSNet phase 1)."""
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import SampleList
from torch import Tensor

LABEL_DOWNSAMPLE_MODES = ('nearest', 'mode')


def downsample_label(label: Tensor,
                     size: Sequence[int],
                     mode: str = 'nearest',
                     num_classes: int = 19,
                     ignore_index: int = 255) -> Tensor:
    """Downsample an integer label map without mixing class ids.

    - ``'nearest'``: picks, for each output pixel, the input pixel nearest
      to its centre (``F.interpolate(mode='nearest-exact')``, i.e. PIL's
      ``NEAREST`` as ERFNet's encoder training uses). Ids, ignore included,
      are copied, never averaged. For an exact factor ``s`` this is the
      stride sample ``label[s//2::s, s//2::s]``.
    - ``'mode'``: the most frequent *valid* class of the input pixels
      covered by each output pixel (adaptive-pooling cells); ignored
      pixels (``ignore_index`` and ids ``>= num_classes``) do not vote, and
      a cell without any valid pixel becomes ``ignore_index``. Ties go to
      the smaller class id.

    Args:
        label (Tensor): Labels (N, 1, H, W) or (N, H, W), integer dtype.
        size (Sequence[int]): Output (h, w).
        mode (str): 'nearest' or 'mode'. Default: 'nearest'.
        num_classes (int): Number of classes (for 'mode'). Default: 19.
        ignore_index (int): Ignored id. Default: 255.

    Returns:
        Tensor: Labels with the input's layout and dtype at ``size``.
    """
    if mode not in LABEL_DOWNSAMPLE_MODES:
        raise ValueError(f'Unknown label downsampling mode {mode!r}; '
                         f'expected one of {LABEL_DOWNSAMPLE_MODES}')
    squeeze = label.dim() == 3
    lab = label[:, None] if squeeze else label
    size = tuple(int(s) for s in size)
    if tuple(lab.shape[-2:]) == size:
        out = lab
    elif mode == 'nearest':
        out = F.interpolate(
            lab.float(), size=size, mode='nearest-exact').to(label.dtype)
    else:
        outs = []
        for one in lab[:, 0].long():  # one image at a time bounds memory
            valid = one < num_classes
            onehot = F.one_hot(
                one.clamp(max=num_classes - 1) * valid,
                num_classes).permute(2, 0, 1).float()
            onehot = onehot * valid[None].float()
            counts = F.adaptive_avg_pool2d(onehot[None], size)[0]
            best = counts.argmax(0)
            best[counts.sum(0) <= 0] = ignore_index
            outs.append(best)
        out = torch.stack(outs)[:, None].to(label.dtype)
    return out[:, 0] if squeeze else out


@MODELS.register_module()
class LabelDownsampleHead(BaseDecodeHead):
    """A 1x1 classifier trained on labels downsampled to its resolution.

    Phase 1 of the ESSNet / ERFNet recipe trains the encoder alone: a 1x1
    conv maps the encoder's 1/8-resolution features to class scores and the
    loss is computed against the labels downsampled to 1/8 (see
    :func:`downsample_label`) instead of upsampling the logits. At test
    time the logits are upsampled bilinearly as by any mmseg head, so
    validation measures full-resolution mIoU.

    The OHEM pixel sampler (``sampler=``), several losses and class weights
    work as in ``BaseDecodeHead``.

    Args:
        in_channels (int): Channels of the selected feature map.
        channels (int, optional): Must equal ``in_channels`` (no
            intermediate conv); default ``in_channels``.
        label_downsample (str): 'nearest' (centre sample, default) or
            'mode' (majority of valid pixels). Default: 'nearest'.
        dropout_ratio (float): Dropout before the classifier. Default: 0.
        **kwargs: ``num_classes``, ``loss_decode``, ``in_index``,
            ``sampler``, ``ignore_index``, ... as ``BaseDecodeHead``.
    """

    def __init__(self,
                 in_channels: int,
                 channels: int = None,
                 label_downsample: str = 'nearest',
                 dropout_ratio: float = 0.0,
                 **kwargs) -> None:
        if channels is None:
            channels = in_channels
        if channels != in_channels:
            raise ValueError(
                f'LabelDownsampleHead has no conv before its 1x1 classifier: '
                f'channels ({channels}) must equal in_channels '
                f'({in_channels})')
        if label_downsample not in LABEL_DOWNSAMPLE_MODES:
            raise ValueError(f'LabelDownsampleHead: unknown label_downsample '
                             f'{label_downsample!r}; expected one of '
                             f'{LABEL_DOWNSAMPLE_MODES}')
        super().__init__(
            in_channels, channels, dropout_ratio=dropout_ratio, **kwargs)
        self.label_downsample = label_downsample

    def forward(self, inputs: Tuple[Tensor]) -> Tensor:
        """1x1 classifier on the selected feature map."""
        return self.cls_seg(self._transform_inputs(inputs))

    def loss_by_feat(self, seg_logits: Tensor,
                     batch_data_samples: SampleList) -> dict:
        """``BaseDecodeHead.loss_by_feat`` against labels downsampled to the
        logits' size (its own resize of the logits is then the identity)."""
        seg_label = downsample_label(
            self._stack_batch_gt(batch_data_samples),
            seg_logits.shape[2:],
            mode=self.label_downsample,
            num_classes=self.num_classes,
            ignore_index=self.ignore_index)
        small = [
            SegDataSample(gt_sem_seg=PixelData(data=label))
            for label in seg_label
        ]
        return super().loss_by_feat(seg_logits, small)
