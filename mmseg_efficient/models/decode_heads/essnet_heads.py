# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Decoders of ERFNet and the ESSNet family as mmseg decode heads.

N. Vallurupalli's thesis "On Designing Efficient Deep Neural Networks for
Semantic Segmentation" (IIIT Hyderabad, 2022), Tables 3.1, 4.1, 4.2 and
§3.5.2, §4.1, §4.2; `Efficient Semantic Segmentation using Gradual Grouping
<https://arxiv.org/abs/1806.08522>`_.
"""
import math
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS

from ..utils import build_deconv, per_stage
from ..layers.essnet_blocks import (DeconvUpsampler, ESSNetBlock,
                                    NonBottleneck1dK, Upsample1x1Block,
                                    parse_variant)


@MODELS.register_module()
class ERFNetHead(BaseDecodeHead):
    """ERFNet's decoder and its ESSNet variants.

    Stages of (upsampler, residual blocks), then an output layer that
    upsamples to the classes; that layer is ``conv_seg``, so mmseg's
    ``init_cfg`` override, dropout and losses apply to it. The logits come
    out at ``upsampling x input`` resolution (full resolution for a 1/8
    encoder with the defaults).

    ``upsample_type`` is ``'deconv'`` (ERFNet's 3x3 transposed conv + BN +
    ReLU, :class:`DeconvUpsampler`) or ``'bilinear'`` (ESSNet's "1x1
    upsampling", :class:`Upsample1x1Block`); ``block_type`` is
    ``'non_bt_1d'`` or a D-family variant (``'D'``, ``'DG2'``, ...).
    ``out_upsample='deconv'`` makes ``conv_seg`` a transposed conv with
    stride ``out_scale`` (ERFNet's 2x2 output layer by default);
    ``'bilinear'`` keeps mmseg's 1x1 ``conv_seg`` and interpolates its
    logits ``out_scale`` times.

    The thesis' decoders:

    - ERFNet / ESSNetA / ESSNetB / WSPD-Net (``kernel_sizes=(5, 3)``): the
      defaults, 3x3 deconv 128->64, 2 non-bt-1D, 3x3 deconv 64->16,
      2 non-bt-1D, 2x2 deconv 16->classes.
    - ESSNet-enc-UPS (Table 4.1): ``upsample_type='bilinear'``.
    - ESSNet (§3.5.2): :class:`ESSNetHead`.
    - ESSNet-trans4x: ``stage_channels=(16, ), upsample_scales=4,
      block_type='D'``.
    - ESSNet-trans8x: ``stage_channels=(), out_scale=8,
      out_kernel_size=3`` (one 3x3 transposed conv with stride 8).
    - ESSNet-nodec: ``stage_channels=(), out_upsample='bilinear',
      out_scale=8``.

    Args:
        in_channels (int): Channels of the encoder output.
        stage_channels (Sequence[int]): Output channels of each stage.
            Default: (64, 16).
        num_blocks (int | Sequence[int]): Residual blocks per stage.
            Default: 2.
        upsample_type (str): 'deconv' or 'bilinear'. Default: 'deconv'.
        upsample_scales (int | Sequence[int]): Upsampling factor per stage.
            Default: 2.
        upsample_kernel_size (int): Kernel of the 'deconv' upsamplers.
            Default: 3.
        block_type (str): 'non_bt_1d' or a D-family variant ('D', 'DG2',
            'DGCS', ...). Default: 'non_bt_1d'.
        block_groups (int, optional): ``groups`` for 'DGC'/'DGCS' blocks.
            Default: None.
        kernel_sizes (int | Sequence[int]): Kernel length of the
            non-bt-1D blocks per stage. Default: 3.
        block_drop_rate (float): Dropout of the residual blocks. Default: 0.
        out_upsample (str): 'deconv' or 'bilinear'. Default: 'deconv'.
        out_scale (int): Upsampling factor of the output layer. Default: 2.
        out_kernel_size (int, optional): Kernel of the 'deconv' output layer;
            None means ``out_scale``. Default: None.
        channels (int, optional): Channels before ``conv_seg``; derived from
            ``stage_channels`` (``in_channels`` without stages) and only
            checked if given. Default: None.
        pw_conv_cfg (dict | None): Config of the D-family blocks' pointwise
            convs. Default: None.
        norm_cfg (dict): Config of norm layers.
            Default: dict(type='BN', eps=1e-3, requires_grad=True).
        dropout_ratio (float): Dropout before ``conv_seg``. Default: 0.
        stage_in_channels (int, optional): Channels entering the first stage
            when a subclass puts a context module before the stages; None
            means ``in_channels``. Default: None.
        **kwargs: See mmseg's ``BaseDecodeHead`` (``num_classes``,
            ``loss_decode``, ``sampler``, ``align_corners``, ...).
    """

    def __init__(self,
                 in_channels: int,
                 stage_channels: Sequence[int] = (64, 16),
                 num_blocks: Union[int, Sequence[int]] = 2,
                 upsample_type: str = 'deconv',
                 upsample_scales: Union[int, Sequence[int]] = 2,
                 upsample_kernel_size: int = 3,
                 block_type: str = 'non_bt_1d',
                 block_groups: Optional[int] = None,
                 kernel_sizes: Union[int, Sequence[int]] = 3,
                 block_drop_rate: float = 0.,
                 out_upsample: str = 'deconv',
                 out_scale: int = 2,
                 out_kernel_size: Optional[int] = None,
                 channels: Optional[int] = None,
                 pw_conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(
                     type='BN', eps=1e-3, requires_grad=True),
                 dropout_ratio: float = 0.,
                 stage_in_channels: Optional[int] = None,
                 **kwargs):
        stage_channels = tuple(stage_channels)
        if stage_in_channels is None:
            stage_in_channels = in_channels
        derived = stage_channels[-1] if stage_channels else stage_in_channels
        if channels is not None and channels != derived:
            raise ValueError(
                f'channels={channels} contradicts the stages: the output '
                f'layer sees {derived} channels (stage_channels='
                f'{stage_channels}); leave channels unset')
        if upsample_type not in ('deconv', 'bilinear'):
            raise ValueError(f"upsample_type must be 'deconv' or "
                             f"'bilinear', got {upsample_type!r}")
        if out_upsample not in ('deconv', 'bilinear'):
            raise ValueError(f"out_upsample must be 'deconv' or 'bilinear', "
                             f'got {out_upsample!r}')
        if block_type != 'non_bt_1d':
            parse_variant(block_type, block_groups)
        super().__init__(
            in_channels,
            derived,
            norm_cfg=norm_cfg,
            dropout_ratio=dropout_ratio,
            **kwargs)
        num_stages = len(stage_channels)
        num_blocks = per_stage(num_blocks, num_stages, 'num_blocks')
        upsample_scales = per_stage(upsample_scales, num_stages,
                                    'upsample_scales')
        kernel_sizes = per_stage(kernel_sizes, num_stages, 'kernel_sizes')
        self.upsample_type = upsample_type
        self.block_type = block_type
        self.out_upsample = out_upsample
        self.out_scale = out_scale
        cfgs = dict(
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)

        self.stages = nn.ModuleList()
        channels_in = stage_in_channels
        for i, channels_out in enumerate(stage_channels):
            if upsample_type == 'deconv':
                upsampler = DeconvUpsampler(
                    channels_in,
                    channels_out,
                    scale_factor=upsample_scales[i],
                    kernel_size=upsample_kernel_size,
                    **cfgs)
            else:
                upsampler = Upsample1x1Block(
                    channels_in,
                    channels_out,
                    scale_factor=upsample_scales[i],
                    align_corners=self.align_corners,
                    **cfgs)
            layers = [upsampler]
            for _ in range(num_blocks[i]):
                if block_type == 'non_bt_1d':
                    layers.append(
                        NonBottleneck1dK(
                            channels_out,
                            drop_rate=block_drop_rate,
                            kernel_size=kernel_sizes[i],
                            **cfgs))
                else:
                    layers.append(
                        ESSNetBlock(
                            channels_out,
                            variant=block_type,
                            groups=block_groups,
                            drop_rate=block_drop_rate,
                            pw_conv_cfg=pw_conv_cfg,
                            **cfgs))
            self.stages.append(nn.Sequential(*layers))
            channels_in = channels_out

        if out_upsample == 'deconv':
            self.conv_seg = build_deconv(self.channels, self.out_channels,
                                         out_scale, out_kernel_size)

    def _context(self, x: torch.Tensor) -> torch.Tensor:
        """Features entering the first stage (the encoder output here)."""
        return x

    def forward(self, inputs):
        """Logits at the decoder's output resolution."""
        x = self._context(self._transform_inputs(inputs))
        for stage in self.stages:
            x = stage(x)
        return self.cls_seg(x)

    def cls_seg(self, feat: torch.Tensor) -> torch.Tensor:
        """Classify each pixel (and upsample with ``out_upsample``)."""
        out = super().cls_seg(feat)
        if self.out_upsample == 'bilinear' and self.out_scale != 1:
            h, w = feat.shape[2:]
            out = resize(
                out,
                size=(h * self.out_scale, w * self.out_scale),
                mode='bilinear',
                align_corners=self.align_corners)
        return out


@MODELS.register_module()
class ESSNetHead(ERFNetHead):
    """ESSNet's decoder (thesis §3.5.2, Fig. 3.9).

    "1x1 upsampling" blocks (bilinear x2, 1x1 conv, BN, ReLU) 128->64 and
    64->16, each followed by two (ungrouped) D layers, and ERFNet's 2x2
    transposed conv to the classes.

    Args:
        upsample_type (str): Default: 'bilinear'.
        block_type (str): Default: 'D'.
        **kwargs: See :class:`ERFNetHead`.
    """

    def __init__(self,
                 upsample_type: str = 'bilinear',
                 block_type: str = 'D',
                 **kwargs):
        super().__init__(
            upsample_type=upsample_type, block_type=block_type, **kwargs)


class RelativePyramidPooling(BaseModule):
    """Pyramid pooling whose bins are fractions of the feature map.

    Each level average-pools the input to ``1 / ratio`` of its size, reduces
    it with a 1x1 ConvModule and upsamples it back bilinearly; the input and
    the levels are concatenated. Unlike mmseg's ``PPM`` (fixed bin counts,
    PSPNet's 1, 2, 3, 6), the thesis' levels are "1/8x, 1/4x, 1/2x and 1x
    size scale blocks" of the encoder output (§4.2).

    Args:
        in_channels (int): Input channels.
        channels (int): Output channels of each level.
        pool_ratios (Sequence[int]): Downsampling ratio of each level.
        conv_cfg (dict | None): Config of conv layers.
        norm_cfg (dict | None): Config of norm layers.
        act_cfg (dict): Config of activation layers.
        align_corners (bool): ``align_corners`` of the upsampling.
        init_cfg (dict or list[dict], optional): Initialization config dict.
            Default: None.
    """

    def __init__(self,
                 in_channels: int,
                 channels: int,
                 pool_ratios: Sequence[int],
                 conv_cfg: Optional[dict],
                 norm_cfg: Optional[dict],
                 act_cfg: dict,
                 align_corners: bool,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if any(r < 1 for r in pool_ratios):
            raise ValueError(f'pool_ratios must be >= 1, got {pool_ratios}')
        self.pool_ratios = tuple(pool_ratios)
        self.align_corners = align_corners
        self.convs = nn.ModuleList([
            ConvModule(
                in_channels,
                channels,
                1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg) for _ in self.pool_ratios
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2:]
        outs = [x]
        for ratio, conv in zip(self.pool_ratios, self.convs):
            if ratio == 1:
                outs.append(conv(x))
                continue
            pooled = F.adaptive_avg_pool2d(
                x, (math.ceil(h / ratio), math.ceil(w / ratio)))
            outs.append(
                resize(
                    conv(pooled),
                    size=(h, w),
                    mode='bilinear',
                    align_corners=self.align_corners))
        return torch.cat(outs, dim=1)


@MODELS.register_module()
class ESSNetPPMHead(ERFNetHead):
    """Pyramid-pooling variant of the ESSNet decoder (thesis §4.2, Fig. 4.1).

    A pyramid pooling module on the encoder output (levels pooled to 1/8,
    1/4, 1/2 and 1x of its size, each 128->32 channels, concatenated with
    the input: 256 channels), then one upsampler with stride 4 (the stage
    at 1/4 resolution, layers 17-19 of Table 3.1, is skipped), two residual
    blocks at 16 channels and the 2x2 transposed conv to the classes.

    Args:
        in_channels (int): Channels of the encoder output.
        pool_ratios (Sequence[int]): Downsampling ratio of each pyramid
            level. Default: (8, 4, 2, 1).
        ppm_channels (int): Channels of each level. Default: 32.
        stage_channels (Sequence[int]): Default: (16, ).
        upsample_scales (int | Sequence[int]): Default: 4.
        **kwargs: See :class:`ERFNetHead`.
    """

    def __init__(self,
                 in_channels: int,
                 pool_ratios: Sequence[int] = (8, 4, 2, 1),
                 ppm_channels: int = 32,
                 stage_channels: Sequence[int] = (16, ),
                 upsample_scales: Union[int, Sequence[int]] = 4,
                 **kwargs):
        super().__init__(
            in_channels,
            stage_channels=stage_channels,
            upsample_scales=upsample_scales,
            stage_in_channels=in_channels + len(pool_ratios) * ppm_channels,
            **kwargs)
        self.ppm = RelativePyramidPooling(
            self.in_channels,
            ppm_channels,
            pool_ratios,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
            align_corners=self.align_corners)

    def _context(self, x: torch.Tensor) -> torch.Tensor:
        return self.ppm(x)
