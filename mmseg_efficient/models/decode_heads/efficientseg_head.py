# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The decoder of EfficientSeg as an mmseg decode head.

`EfficientSeg: An Efficient Semantic Segmentation Network
<https://arxiv.org/abs/2009.06469>`_ (Yesilkaynak et al., 2020); the mirror
and the skips follow the authors' code (MrGranddy/EfficientSeg,
``model.py``).
"""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmcv.cnn.bricks.upsample import build_upsample_layer
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS

from ..layers.efficientseg_blocks import (EFFICIENTSEG_INIT, build_bneck,
                                          efficientseg_specs, keep_init_cfg,
                                          skip_channels)



@MODELS.register_module()
class EfficientSegHead(BaseDecodeHead):
    """EfficientSeg's decoder: the mirror of the encoder with U-Net skips.

    Takes the five outputs of
    :class:`~mmseg_efficient.models.backbones.EfficientSegEncoder` (skips
    at 1/2, 1/4, 1/8, 1/16 and the 1/32 bottleneck output). For each
    encoder bneck from the last to the first it runs a stride-1 bneck
    (mmseg's ``InvertedResidualV3``) with the same kernel, SE, activation
    and expanded channels, mapping the bneck's output channels back to its
    input channels:

    - before the mirror of a stride-2 bneck the features are upsampled x2
      (``upsample_cfg``, bilinear by default);
    - after it the skip (that bneck's input) is concatenated, so the next
      mirror takes twice the channels.

    For inputs whose sides are not multiples of 32 the upsampled features
    are resized to the skip's size before the concatenation (the authors'
    code needs multiples of 32).

    Finally an x2 upsampling to the input resolution and ``conv_seg``, a
    3x3 conv (no bias) + BN to the classes; the authors' code also applies
    h-swish to the logits, a quirk reproduced only with
    ``logits_act_cfg=dict(type='HSwish')``.

    The decoder is a decode head (not part of a U-Net backbone as mmseg's
    ``UNet``) so that mmseg's auxiliary heads (on any encoder output),
    pixel samplers (OHEM), losses and test-time augmentation apply
    unchanged.

    Args:
        in_channels (Sequence[int], optional): Channels of the five encoder
            outputs; derived from ``width``/``arch`` if None, checked
            against them otherwise. Default: None.
        width (float): Width multiplier of the encoder. Default: 1.0.
        arch (str | Sequence): The encoder's table. Default: 'large'.
        channels (int, optional): Channels before ``conv_seg``; derived (the
            stem's channels) and only checked if given. Default: None.
        upsample_cfg (dict): Config of the x2 upsampling layers (mmcv
            ``build_upsample_layer``). Default: bilinear, x2,
            ``align_corners=False``.
        logits_norm (bool): BN after ``conv_seg`` (the authors'). Default:
            True.
        logits_act_cfg (dict, optional): Activation on the logits; the
            authors use HSwish. Default: None.
        norm_cfg (dict): Config of norm layers.
            Default: dict(type='BN', requires_grad=True).
        with_cp (bool): Checkpoint the bnecks. Default: False.
        in_index (Sequence[int]): Default: (0, 1, 2, 3, 4).
        input_transform (str): Default: 'multiple_select'.
        dropout_ratio (float): Dropout before ``conv_seg``. Default: 0.
        init_cfg (dict or list[dict], optional): Default: Kaiming-uniform
            convs and unit BN, as the authors.
        **kwargs: See mmseg's ``BaseDecodeHead`` (``num_classes``,
            ``loss_decode``, ``sampler``, ...).
    """

    def __init__(self,
                 in_channels: Optional[Sequence[int]] = None,
                 width: float = 1.0,
                 arch: Union[str, Sequence] = 'large',
                 channels: Optional[int] = None,
                 upsample_cfg: dict = dict(
                     type='bilinear', scale_factor=2, align_corners=False),
                 logits_norm: bool = True,
                 logits_act_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 with_cp: bool = False,
                 in_index: Sequence[int] = (0, 1, 2, 3, 4),
                 input_transform: str = 'multiple_select',
                 dropout_ratio: float = 0.,
                 init_cfg=EFFICIENTSEG_INIT,
                 **kwargs):
        specs = efficientseg_specs(width, arch)
        expected = skip_channels(specs) + [specs[-1].out_channels]
        if in_channels is None:
            in_channels = expected
        if list(in_channels) != expected:
            raise ValueError(
                f'EfficientSegHead in_channels {list(in_channels)} do not '
                f'match an EfficientSeg encoder of width {width}: expected '
                f'{expected} (the skips and the bottleneck output)')
        stem_channels = specs[0].in_channels
        if channels is not None and channels != stem_channels:
            raise ValueError(f'channels={channels} contradicts width '
                             f'{width}: conv_seg sees the stem channels '
                             f'({stem_channels}); leave channels unset')
        super().__init__(
            list(in_channels),
            stem_channels,
            norm_cfg=norm_cfg,
            in_index=list(in_index),
            input_transform=input_transform,
            dropout_ratio=dropout_ratio,
            init_cfg=init_cfg,
            **kwargs)
        self.width = width
        self.specs = specs
        self.upsample_cfg = upsample_cfg

        # mirrors[j] undoes encoder bneck len(specs) - 1 - j
        self.mirrors = nn.ModuleList()
        self.upsamplers = nn.ModuleDict()
        for i in reversed(range(len(specs))):
            spec = specs[i]
            skip_after = i + 1 < len(specs) and specs[i + 1].stride == 2
            mirror_in = spec.out_channels * (2 if skip_after else 1)
            self.mirrors.append(
                build_bneck(
                    mirror_in,
                    spec.in_channels,
                    spec,
                    stride=1,
                    conv_cfg=self.conv_cfg,
                    norm_cfg=self.norm_cfg,
                    with_cp=with_cp))
            if spec.stride == 2:
                self.upsamplers[str(i)] = build_upsample_layer(upsample_cfg)
        self.upsample_out = build_upsample_layer(upsample_cfg)

        # the classifier: a 3x3 conv block to the classes
        self.conv_seg = nn.Conv2d(
            self.channels,
            self.out_channels,
            3,
            padding=1,
            bias=not logits_norm)
        self.logits_norm = (
            build_norm_layer(self.norm_cfg, self.out_channels)[1]
            if logits_norm else None)
        self.logits_act = (
            build_activation_layer(logits_act_cfg)
            if logits_act_cfg is not None else None)

    def init_weights(self):
        """``init_cfg`` (the authors' Kaiming-uniform by default), not
        overwritten by mmcv's ``ConvModule.init_weights`` (see
        :func:`keep_init_cfg`)."""
        if self.init_cfg:
            keep_init_cfg(self)
        super().init_weights()

    def forward(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        """Logits at twice the resolution of the first skip (the input's)."""
        feats = self._transform_inputs(inputs)
        skips, x = list(feats[:-1]), feats[-1]
        for j, mirror in enumerate(self.mirrors):
            i = len(self.specs) - 1 - j
            if self.specs[i].stride == 2:
                x = self.upsamplers[str(i)](x)
                if i > 0 and (torch.onnx.is_in_onnx_export()
                              or x.shape[2:] != skips[-1].shape[2:]):
                    # inputs not divisible by 32: match the skip's size
                    # (always in an ONNX graph, whose input size may vary;
                    # resizing to the same size changes nothing)
                    x = resize(
                        x,
                        size=skips[-1].shape[2:],
                        mode='bilinear',
                        align_corners=self.align_corners)
            x = mirror(x)
            if self.specs[i].stride == 2 and i > 0:
                x = torch.cat((x, skips.pop()), dim=1)
        return self.cls_seg(self.upsample_out(x))

    def cls_seg(self, feat: torch.Tensor) -> torch.Tensor:
        """3x3 conv (+ BN, + optional activation) to the classes."""
        if self.dropout is not None:
            feat = self.dropout(feat)
        out = self.conv_seg(feat)
        if self.logits_norm is not None:
            out = self.logits_norm(out)
        if self.logits_act is not None:
            out = self.logits_act(out)
        return out
