# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The EfficientSeg layer table, shared by its encoder and its decoder.

`EfficientSeg: An Efficient Semantic Segmentation Network
<https://arxiv.org/abs/2009.06469>`_ (Yesilkaynak et al., 2020) and the
authors' code (MrGranddy/EfficientSeg, ``model.py``): MobileNetV3-Large
bnecks whose channel counts are scaled by a width multiplier (the paper's
"depth parameter", the code's ``width_coeff``).

Both the backbone (:class:`EfficientSegEncoder`) and the decode head
(:class:`EfficientSegHead`) derive their channels from this table, so a
config sets ``width`` once for each and the head checks that its
``in_channels`` agree.
"""
from typing import List, NamedTuple, Optional, Sequence

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.utils import InvertedResidualV3, make_divisible

# MobileNetV3-Large as the authors write it (``enc_config``):
# kernel, expansion ratio t, output channels, SE, activation, stride.
# At width 1.0 the expanded channels make_divisible(in * t, 8) are
# mmseg's MobileNetV3-Large mid channels (64, 72, 72, 120, ..., 960).
EFFICIENTSEG_ARCHS = {
    'large': (
        (3, 1, 16, False, 'ReLU', 1),
        (3, 4, 24, False, 'ReLU', 2),
        (3, 3, 24, False, 'ReLU', 1),
        (5, 3, 40, True, 'ReLU', 2),
        (5, 3, 40, True, 'ReLU', 1),
        (5, 3, 40, True, 'ReLU', 1),
        (3, 6, 80, False, 'HSwish', 2),
        (3, 2.5, 80, False, 'HSwish', 1),
        (3, 2.3, 80, False, 'HSwish', 1),
        (3, 2.3, 80, False, 'HSwish', 1),
        (3, 6, 112, True, 'HSwish', 1),
        (3, 6, 112, True, 'HSwish', 1),
        (5, 6, 160, True, 'HSwish', 2),
        (5, 6, 160, True, 'HSwish', 1),
        (5, 6, 160, True, 'HSwish', 1),
    ),
}  # yapf: disable
STEM_CHANNELS = 16

#: The authors' initialisation: kaiming_uniform_ (fan_in, gain sqrt(2)) on
#: every conv (the classifier included), BN weights 1.
EFFICIENTSEG_INIT = [
    dict(
        type='Kaiming',
        layer='Conv2d',
        mode='fan_in',
        nonlinearity='leaky_relu',
        distribution='uniform'),
    dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
]


def keep_init_cfg(module: nn.Module) -> None:
    """Let the ``init_cfg`` of ``module`` (e.g. :data:`EFFICIENTSEG_INIT`)
    stand for its ``ConvModule`` s.

    mmengine's ``BaseModule.init_weights`` applies a module's ``init_cfg``
    first and then calls its children's ``init_weights``; mmcv's
    ``ConvModule.init_weights`` would then re-initialise the convs
    (Kaiming-normal, fan_out) and undo the authors' Kaiming-uniform
    (fan_in). Marking every ``ConvModule`` below ``module`` as initialised
    skips that. Call it in ``init_weights`` before ``super().init_weights()``
    when ``init_cfg`` is set.

    Args:
        module (nn.Module): The module whose ``init_cfg`` should stand.
    """
    for m in module.modules():
        if isinstance(m, ConvModule):
            m.is_init = True



class BneckSpec(NamedTuple):
    """One scaled bneck: channels in / expanded / out, kernel, SE,
    activation type and stride."""
    in_channels: int
    mid_channels: int
    out_channels: int
    kernel_size: int
    with_se: bool
    act: str
    stride: int


def efficientseg_specs(width: float = 1.0,
                       arch='large') -> List[BneckSpec]:
    """The encoder's bnecks at a width multiplier, as the authors scale them.

    Output channels are ``make_divisible(c * width, 8)``; the expanded
    channels are ``make_divisible(in * t, 8)`` of the *scaled* input; the
    stem has ``make_divisible(16 * width, 8)`` channels (the
    ``in_channels`` of the first spec).

    Args:
        width (float): Width multiplier (> 0). Default: 1.0.
        arch (str | Sequence): A key of :data:`EFFICIENTSEG_ARCHS` or a
            table of ``(kernel, t, channels, with_se, act, stride)`` rows.
            Default: 'large'.

    Returns:
        list[BneckSpec]: One spec per bneck.
    """
    if not isinstance(width, (int, float)) or width <= 0:
        raise ValueError(f'width must be a positive number, got {width!r}')
    if isinstance(arch, str):
        if arch not in EFFICIENTSEG_ARCHS:
            raise KeyError(f'arch {arch!r} is not one of '
                           f'{sorted(EFFICIENTSEG_ARCHS)}')
        arch = EFFICIENTSEG_ARCHS[arch]
    if not arch or arch[0][5] != 1:
        raise ValueError('the first bneck must have stride 1 (its mirror '
                         'feeds the classifier), got '
                         f'{arch[0] if arch else arch!r}')
    specs = []
    in_channels = make_divisible(STEM_CHANNELS * width, 8)
    for row in arch:
        if len(row) != 6 or row[5] not in (1, 2):
            raise ValueError('each arch row is (kernel, t, channels, '
                             f'with_se, act, stride in 1/2), got {row!r}')
        kernel_size, ratio, channels, with_se, act, stride = row
        out_channels = make_divisible(channels * width, 8)
        mid_channels = make_divisible(in_channels * ratio, 8)
        specs.append(
            BneckSpec(in_channels, mid_channels, out_channels, kernel_size,
                      bool(with_se), act, stride))
        in_channels = out_channels
    return specs


def skip_channels(specs: Sequence[BneckSpec]) -> List[int]:
    """Channels of the skips: the inputs of the stride-2 bnecks."""
    return [s.in_channels for s in specs if s.stride == 2]


def build_bneck(in_channels: int,
                out_channels: int,
                spec: BneckSpec,
                stride: int,
                conv_cfg: Optional[dict] = None,
                norm_cfg: dict = dict(type='BN'),
                with_cp: bool = False) -> InvertedResidualV3:
    """mmseg's MobileNetV3 block with the expansion, kernel, SE and
    activation of ``spec`` (SE squeeze ``make_divisible(mid // 4, 8)``,
    ReLU then HSigmoid, as mmseg's MobileNetV3 and the authors).

    The expand conv exists when the input and expanded channels differ
    (the authors' and mmseg's rule); a residual is added when the stride is
    1 and the input and output channels are equal.
    """
    se_cfg = None
    if spec.with_se:
        se_cfg = dict(
            channels=spec.mid_channels,
            ratio=4,
            conv_cfg=conv_cfg,
            act_cfg=(dict(type='ReLU'),
                     dict(type='HSigmoid', bias=3.0, divisor=6.0)))
    return InvertedResidualV3(
        in_channels=in_channels,
        out_channels=out_channels,
        mid_channels=spec.mid_channels,
        kernel_size=spec.kernel_size,
        stride=stride,
        se_cfg=se_cfg,
        with_expand_conv=in_channels != spec.mid_channels,
        conv_cfg=conv_cfg,
        norm_cfg=norm_cfg,
        act_cfg=dict(type=spec.act),
        with_cp=with_cp)
