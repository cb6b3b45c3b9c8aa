# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""ShuffleNet V2 with atrous convolutions (Türkmen & Heikkilä, 2019), built on
mmpretrain's ``ShuffleNetV2``."""
from typing import Sequence

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmpretrain.models.backbones import ShuffleNetV2

from mmseg.registry import MODELS
from ..utils import check_out_indices

# mmpretrain's ``layers[3]`` is the final 1x1 conv to 1024 channels (conv5),
# which the segmentation backbone drops.
_CONV5_INDEX = 3


@MODELS.register_module()
class ShuffleNetV2Atrous(ShuffleNetV2):
    """ShuffleNet V2 without conv5 and with an output stride of 32, 16 or 8.

    `An efficient solution for semantic segmentation: ShuffleNet V2 with
    atrous separable convolutions <https://arxiv.org/abs/1902.07476>`_.

    The network is mmpretrain's :class:`ShuffleNetV2` (stem, stages 2-4)
    minus its final 1x1 conv to 1024 channels (the paper's
    ``shufflenet_base``), so an mmpretrain ImageNet classifier checkpoint
    loads with ``init_cfg=dict(type='Pretrained', checkpoint=...,
    prefix='backbone.')``; the checkpoint's conv5 weights are dropped on
    loading (they have no place in this network), so nothing is reported
    missing or unexpected.

    Output stride, as in DeepLab (the paper's Table 1): once the stride
    reached ``output_stride``, a stage's first (down-sampling) unit keeps
    stride 1 and the current rate, and the rate is multiplied by the stride
    the unit skipped for every later unit. So at OS 16 stage 4's three basic
    units have dilation 2 in their depthwise 3x3 convs; at OS 8 stage 3's
    seven basic units have dilation 2, stage 4's first unit dilation 2 and
    its basic units dilation 4. The authors' TF-slim code computes these
    rates but never applies them (``rate *= layer_stride`` after setting the
    stride to 1); here they are applied.

    Args:
        widen_factor (float): Width multiplier of mmpretrain's ShuffleNetV2
            (0.5, 1.0, 1.5 or 2.0). Default: 1.0.
        output_stride (int): 8, 16 or 32. Default: 16.
        out_indices (Sequence[int]): Stage outputs to return, from
            (0, 1, 2) = stages 2, 3, 4. Default: (2, ).
        tf_downsample (bool): Use the authors' down-sampling unit, whose
            right branch maps ``in -> in`` channels before its depthwise conv
            (mmpretrain and torchvision map ``in -> out / 2``). Only stage 2
            differs (24 vs 58 channels: 3,230 parameters fewer); with it
            the parameter counts are the authors' exactly, but mmpretrain
            checkpoints no longer fit stage 2's first unit. Default: False.
        frozen_stages (int): Stages to freeze (-1: none; 0: the stem; i:
            the stem and stages 2..i+1). Default: -1.
        conv_cfg (dict, optional): Config of conv layers. Default: None.
        norm_cfg (dict): Config of norm layers. Default: dict(type='BN').
        act_cfg (dict): Config of activation layers.
            Default: dict(type='ReLU').
        norm_eval (bool): Keep norm layers in eval mode. Default: False.
        with_cp (bool): Use gradient checkpointing. Default: False.
        init_cfg (dict | list[dict], optional): Initialization config.
            Default: None.
    """

    num_stages = 3

    def __init__(self,
                 widen_factor: float = 1.0,
                 output_stride: int = 16,
                 out_indices: Sequence[int] = (2, ),
                 tf_downsample: bool = False,
                 frozen_stages: int = -1,
                 conv_cfg=None,
                 norm_cfg=dict(type='BN'),
                 act_cfg=dict(type='ReLU'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 init_cfg=None):
        if output_stride not in (8, 16, 32):
            raise ValueError(
                f'output_stride must be 8, 16 or 32, got {output_stride!r}')
        out_indices = check_out_indices(out_indices, self.num_stages)
        super().__init__(
            widen_factor=widen_factor,
            out_indices=out_indices,
            frozen_stages=frozen_stages,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            norm_eval=norm_eval,
            with_cp=with_cp,
            init_cfg=init_cfg)
        del self.layers[_CONV5_INDEX]
        self.output_stride = output_stride
        self.tf_downsample = tf_downsample
        if tf_downsample:
            for stage in self.layers:
                self._use_tf_downsample(stage[0])
        self.dilations = self._make_atrous()
        self._register_load_state_dict_pre_hook(self._drop_conv5)

    @property
    def out_channels(self) -> tuple:
        """Channels of the (selected) stage outputs."""
        return tuple(self.layers[i][-1].branch2[-1].conv.out_channels * 2
                     for i in self.out_indices)

    def _use_tf_downsample(self, unit: nn.Module) -> None:
        """Give a down-sampling unit's right branch the authors' width."""
        first = unit.branch2[0].conv
        in_channels = first.in_channels
        if first.out_channels == in_channels:
            return
        mid = [
            ConvModule(
                in_channels,
                in_channels,
                1,
                conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg),
            ConvModule(
                in_channels,
                in_channels,
                3,
                stride=unit.stride,
                padding=1,
                groups=in_channels,
                conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg,
                act_cfg=None)
        ]
        unit.branch2 = nn.Sequential(*mid, ConvModule(
            in_channels,
            unit.branch2[2].conv.out_channels,
            1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg))

    def _make_atrous(self) -> list:
        """Trade strides for dilations after ``output_stride`` is reached.

        Returns:
            list[list[int]]: The depthwise dilation of every unit per stage.
        """
        current_stride, rate = 4, 1  # after the stem's conv and max pool
        dilations = []
        for stage in self.layers:
            unit_rate = rate
            if current_stride == self.output_stride:
                rate *= 2
                # mmpretrain's unit keeps ``stride=2`` as its "two branches"
                # switch; only the convs' strides change.
                for branch in (stage[0].branch1, stage[0].branch2):
                    for module in branch.modules():
                        if isinstance(module, nn.Conv2d) and \
                                module.stride != (1, 1):
                            module.stride = (1, 1)
            else:
                current_stride *= 2
            stage_dilations = [unit_rate] + [rate] * (len(stage) - 1)
            for unit, dilation in zip(stage, stage_dilations):
                for module in unit.modules():
                    if isinstance(module, nn.Conv2d) and \
                            module.kernel_size == (3, 3):
                        module.dilation = (dilation, dilation)
                        module.padding = (dilation, dilation)
            dilations.append(stage_dilations)
        return dilations

    @staticmethod
    def _drop_conv5(state_dict, prefix, *args) -> None:
        """Drop an ImageNet checkpoint's conv5 (``layers.3.*``) on loading."""
        conv5 = f'{prefix}layers.{_CONV5_INDEX}.'
        for key in [k for k in state_dict if k.startswith(conv5)]:
            del state_dict[key]

    def train(self, mode: bool = True):
        """Set the mode (mmpretrain's ``train`` returns None, so
        ``model.eval()`` could not be chained); returns ``self``."""
        super().train(mode)
        return self
