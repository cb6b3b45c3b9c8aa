# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Decoders of ERFNet and the ESSNet family as mmseg decode heads.

N. Vallurupalli's thesis "On Designing Efficient Deep Neural Networks for
Semantic Segmentation" (IIIT Hyderabad, 2022), Tables 3.1, 4.1, 4.2 and
§3.5.2, §4.1, §4.2; `Efficient Semantic Segmentation using Gradual Grouping
<https://arxiv.org/abs/1806.08522>`_.
"""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.decode_heads.psp_head import PPM
from mmseg.registry import MODELS

from ..utils import (build_block, build_output_layer,
                     check_upsampling_kernel, per_stage)

ConfigType = Union[dict, Sequence[dict]]


@MODELS.register_module()
class ERFNetHead(BaseDecodeHead):
    """ERFNet's decoder and its ESSNet variants.

    Stages of (upsampler, residual blocks), then an output layer that maps
    the features to the classes; that layer is ``conv_seg``, so mmseg's
    ``init_cfg`` override, dropout and losses apply to it.

    The upsamplers and blocks are registry configs (mmseg's ``MODELS``): a
    new decoder registers a block and names it, the head has no string
    modes. The head fills in what it knows: ``in_channels`` /
    ``out_channels`` of each upsampler, ``channels`` of each block, and its
    ``conv_cfg`` (if set), ``norm_cfg`` and ``act_cfg`` for both, unless the
    config sets them. ``out_cfg`` is an mmcv ``build_upsample_layer`` config
    (``in_channels`` / ``out_channels`` filled in) for an output layer that
    upsamples; None keeps mmseg's 1x1 ``conv_seg`` and the logits at the
    last stage's resolution (mmseg resizes them to the labels for the loss
    and to the image for prediction, bilinearly).

    The thesis' decoders (``configs/_base_/models``, ``configs/essnet``):

    - ERFNet / ESSNetA / ESSNetB: the defaults, ``UpsamplerBlock`` (3x3
      deconv, stride 2) 128->64, 2 non-bt-1D, ``UpsamplerBlock`` 64->16,
      2 non-bt-1D, 2x2 deconv 16->classes.
    - WSPD-Net: ``block_cfg`` per stage, 5x1/1x5 then 3x1/1x3 non-bt-1D.
    - ESSNet-enc-UPS (Table 4.1): ``upsample_cfg=dict(type='InterpConv')``.
    - ESSNet (§3.5.2): :class:`ESSNetHead`.
    - ESSNet-trans4x: ``stage_channels=(16, )``, a 4x4 ``DeconvModule``
      with stride 4, D blocks.
    - ESSNet-trans8x: ``stage_channels=()``, an 8x8 deconv with stride 8
      to the classes.
    - ESSNet-nodec: ``stage_channels=(), out_cfg=None``.

    Args:
        in_channels (int): Channels of the encoder output.
        stage_channels (Sequence[int]): Output channels of each stage.
            Default: (64, 16).
        num_blocks (int | Sequence[int]): Residual blocks per stage.
            Default: 2.
        upsample_cfg (dict | Sequence[dict]): Upsampler of each stage (one
            config for all, or one per stage). Default:
            dict(type='UpsamplerBlock') (ERFNet's 3x3 deconv, stride 2).
        block_cfg (dict | Sequence[dict]): Residual block of each stage.
            Default: dict(type='FactorizedResidualBlock') (non-bt-1D).
        out_cfg (dict, optional): Output layer (``conv_seg``), an mmcv
            upsample-layer config. Default: dict(type='deconv',
            kernel_size=2, stride=2) (ERFNet's).
        channels (int, optional): Channels before ``conv_seg``; derived from
            ``stage_channels`` (``in_channels`` without stages) and only
            checked if given. Default: None.
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
                 upsample_cfg: ConfigType = dict(type='UpsamplerBlock'),
                 block_cfg: ConfigType = dict(type='FactorizedResidualBlock'),
                 out_cfg: Optional[dict] = dict(
                     type='deconv', kernel_size=2, stride=2),
                 channels: Optional[int] = None,
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
        super().__init__(
            in_channels,
            derived,
            norm_cfg=norm_cfg,
            dropout_ratio=dropout_ratio,
            **kwargs)
        num_stages = len(stage_channels)
        num_blocks = per_stage(num_blocks, num_stages, 'num_blocks')
        upsample_cfgs = per_stage(upsample_cfg, num_stages, 'upsample_cfg')
        block_cfgs = per_stage(block_cfg, num_stages, 'block_cfg')
        cfgs = dict(
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)

        self.stages = nn.ModuleList()
        channels_in = stage_in_channels
        for i, channels_out in enumerate(stage_channels):
            upsampler = build_block(
                upsample_cfgs[i],
                in_channels=channels_in,
                out_channels=channels_out,
                **cfgs)
            check_upsampling_kernel(upsampler, f'upsample_cfg of stage {i}')
            layers = [upsampler] + [
                build_block(block_cfgs[i], channels=channels_out, **cfgs)
                for _ in range(num_blocks[i])
            ]
            self.stages.append(nn.Sequential(*layers))
            channels_in = channels_out

        if out_cfg is not None:
            self.conv_seg = build_output_layer(out_cfg, self.channels,
                                               self.out_channels)

    def _context(self, x: torch.Tensor) -> torch.Tensor:
        """Features entering the first stage (the encoder output here)."""
        return x

    def forward(self, inputs):
        """Logits at the decoder's output resolution."""
        x = self._context(self._transform_inputs(inputs))
        for stage in self.stages:
            x = stage(x)
        return self.cls_seg(x)


@MODELS.register_module()
class ESSNetHead(ERFNetHead):
    """ESSNet's decoder (thesis §3.5.2, Fig. 3.9).

    "1x1 upsampling" blocks (mmseg's ``InterpConv``: bilinear x2, then a
    1x1 conv, BN, ReLU) 128->64 and 64->16, each followed by two (ungrouped)
    D layers, and ERFNet's 2x2 transposed conv to the classes.

    Args:
        upsample_cfg (dict | Sequence[dict]): Default:
            dict(type='InterpConv').
        block_cfg (dict | Sequence[dict]): Default:
            dict(type='ESSNetBlock', variant='D').
        **kwargs: See :class:`ERFNetHead`.
    """

    def __init__(self,
                 upsample_cfg: ConfigType = dict(type='InterpConv'),
                 block_cfg: ConfigType = dict(type='ESSNetBlock', variant='D'),
                 **kwargs):
        super().__init__(
            upsample_cfg=upsample_cfg, block_cfg=block_cfg, **kwargs)


@MODELS.register_module()
class ESSNetPPMHead(ERFNetHead):
    """Pyramid-pooling variant of the ESSNet decoder (thesis §4.2, Fig. 4.1).

    PSPNet's pyramid pooling (mmseg's ``PPM``) on the encoder output: the
    map is average-pooled to 1x1, 2x2, 4x4 and 8x8 bins of the whole map
    ("1/8x, 1/4x, 1/2x and 1x size scale blocks": PSPNet's global prior and
    finer grids), each level is reduced 128->32 by a 1x1 ConvModule and
    upsampled bilinearly, and the levels are concatenated with the input
    (256 channels). Then one upsampler with stride 4 (the stage at 1/4
    resolution, layers 17-19 of Table 3.1, is skipped), two residual blocks
    at 16 channels and the 2x2 transposed conv to the classes.

    Args:
        in_channels (int): Channels of the encoder output.
        pool_scales (Sequence[int]): Bins per side of each pyramid level.
            Default: (1, 2, 4, 8).
        ppm_channels (int): Channels of each level. Default: 32.
        stage_channels (Sequence[int]): Default: (16, ).
        upsample_cfg (dict | Sequence[dict]): Default: a 4x4
            ``DeconvModule`` with stride 4.
        **kwargs: See :class:`ERFNetHead`.
    """

    def __init__(self,
                 in_channels: int,
                 pool_scales: Sequence[int] = (1, 2, 4, 8),
                 ppm_channels: int = 32,
                 stage_channels: Sequence[int] = (16, ),
                 upsample_cfg: ConfigType = dict(
                     type='DeconvModule', kernel_size=4, scale_factor=4),
                 **kwargs):
        super().__init__(
            in_channels,
            stage_channels=stage_channels,
            upsample_cfg=upsample_cfg,
            stage_in_channels=in_channels + len(pool_scales) * ppm_channels,
            **kwargs)
        self.ppm = PPM(
            tuple(pool_scales),
            self.in_channels,
            ppm_channels,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg,
            align_corners=self.align_corners)

    def _context(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, *self.ppm(x)], dim=1)
