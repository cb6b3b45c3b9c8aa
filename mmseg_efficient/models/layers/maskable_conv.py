# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Maskable grouped convolutions for gradual grouping.

Gradual grouping (N. Vallurupalli's thesis "On Designing Efficient Deep
Neural Networks for Semantic Segmentation", IIIT Hyderabad, 2022, §3.5,
Fig. 3.8; Vallurupalli et al., CVPRW 2018) trains a grouped
convolution as a dense one whose weights outside the ``g`` diagonal blocks
are multiplied by a scalar ``alpha``: ``alpha = 1`` is the dense ("-D")
layer, ``alpha`` is lowered to 0 during training, and at ``alpha = 0`` the
layer *is* a grouped convolution, which :meth:`MaskedGroupConv2d.to_grouped`
turns into a true ``nn.Conv2d(groups=g)`` for deployment.

Two names are registered in mmengine's root ``MODELS`` registry (like mmcv's
own conv layers), so :func:`mmcv.cnn.build_conv_layer` and ``ConvModule``
find them from any scope:

- ``MaskedGroupConv2d``: the maskable conv itself. ``groups`` is the
  *target* group count (its weight is dense). Use it where a model builds
  its grouped convs through a conv config, e.g. ESSNet's ``pw_conv_cfg``.
- ``MaskablePointwiseConv2d``: a builder for models whose single
  ``conv_cfg`` reaches every kind of conv (e.g. mmseg's MobileNetV2): it
  returns a ``MaskedGroupConv2d(groups=target_groups)`` for each dense 1x1
  conv whose channels ``target_groups`` divides and a plain ``nn.Conv2d``
  for every other conv. ``deploy=True`` gives the true grouped conv instead.
"""
import re
from typing import List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.registry import MODELS
from torch import Tensor

__all__ = [
    'MaskedGroupConv2d', 'build_maskable_pointwise_conv', 'convert_to_grouped',
    'get_masked_convs', 'set_alpha', 'deploy_conv_cfgs', 'AlphaNotZeroError',
    'check_alpha_zero'
]

_IntOrPair = Union[int, Tuple[int, int]]


@MODELS.register_module()
class MaskedGroupConv2d(nn.Conv2d):
    """A dense conv whose weights outside the group blocks are scaled by
    ``alpha``.

    The effective weight is ``weight * M`` with ``M[o, i] = 1`` when output
    channel ``o`` and input channel ``i`` belong to the same of the ``groups``
    contiguous channel blocks (PyTorch's grouped-conv layout: block ``j``
    maps inputs ``j*Cin/g .. (j+1)*Cin/g - 1`` to outputs
    ``j*Cout/g .. (j+1)*Cout/g - 1``) and ``M[o, i] = alpha`` otherwise.
    The mask spans the whole ``k x k`` kernel, so any kernel size works.

    - ``alpha = 1``: exactly the dense conv (``groups=1``).
    - ``alpha = 0``: mathematically the grouped conv holding the diagonal
      blocks; :meth:`to_grouped` returns it as ``nn.Conv2d(groups=g)``.
    - ``0 < alpha``: gradients reach every weight (off-block ones scaled by
      ``alpha``); at ``alpha = 0`` the off-block weights get no gradient
      from the loss.

    ``alpha`` is a persistent buffer (saved in the state dict), so a
    checkpoint records how far grouping has progressed; it is set by
    :class:`~mmseg_efficient.engine.hooks.GradualGroupingHook` or
    :meth:`set_alpha`. The layer subclasses ``nn.Conv2d`` so initialisers
    and complexity counters treat it as a conv (it costs a dense conv plus
    one elementwise product on the weight while training).

    Channel shuffles (DGCS) are not the conv's business: the block that owns
    the conv places them.

    Args:
        in_channels (int): Input channels; divisible by ``groups``.
        out_channels (int): Output channels; divisible by ``groups``.
        kernel_size (int | tuple[int]): Kernel size.
        stride (int | tuple[int]): Stride. Default: 1.
        padding (int | tuple[int] | str): Padding. Default: 0.
        dilation (int | tuple[int]): Dilation. Default: 1.
        groups (int): The *target* number of groups the layer becomes at
            ``alpha = 0``. Default: 1.
        bias (bool): Whether to add a bias. Default: True.
        padding_mode (str): As ``nn.Conv2d``. Default: 'zeros'.
        alpha (float): Initial ``alpha`` in [0, 1]. Default: 1.0 (dense).
        device (torch.device, optional): Device of the parameters.
        dtype (torch.dtype, optional): Dtype of the parameters.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: _IntOrPair,
                 stride: _IntOrPair = 1,
                 padding: Union[_IntOrPair, str] = 0,
                 dilation: _IntOrPair = 1,
                 groups: int = 1,
                 bias: bool = True,
                 padding_mode: str = 'zeros',
                 alpha: float = 1.0,
                 device=None,
                 dtype=None) -> None:
        if not isinstance(groups, int) or groups < 1:
            raise ValueError(f'MaskedGroupConv2d: groups must be a positive '
                             f'int, got {groups!r}')
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f'MaskedGroupConv2d: groups={groups} must divide both '
                f'in_channels={in_channels} and out_channels={out_channels}')
        # The weight is dense: the real conv runs with groups=1.
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=padding,
            dilation=dilation,
            groups=1,
            bias=bias,
            padding_mode=padding_mode,
            device=device,
            dtype=dtype)
        self.target_groups = groups
        self.register_buffer(
            'alpha',
            torch.tensor(
                self._check_alpha(alpha), dtype=torch.float32, device=device))
        # 1 inside the diagonal blocks, 0 outside; shape (Cout, Cin, 1, 1).
        out_ids = torch.arange(out_channels) // (out_channels // groups)
        in_ids = torch.arange(in_channels) // (in_channels // groups)
        block = (out_ids[:, None] == in_ids[None, :]).to(torch.float32)
        self.register_buffer(
            'block_mask', block[:, :, None, None].to(device), persistent=False)

    @staticmethod
    def _check_alpha(alpha) -> float:
        alpha = float(alpha)
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f'alpha must be in [0, 1], got {alpha}')
        return alpha

    def set_alpha(self, alpha: float) -> None:
        """Set ``alpha`` in place (keeps the buffer's device and dtype).

        Args:
            alpha (float): The new value, in [0, 1].
        """
        self.alpha.fill_(self._check_alpha(alpha))

    def get_mask(self) -> Tensor:
        """The multiplicative mask ``M`` (Cout, Cin, 1, 1) for the current
        ``alpha``."""
        alpha = self.alpha.to(self.weight.dtype)
        block = self.block_mask.to(self.weight.dtype)
        return block + alpha * (1.0 - block)

    def masked_weight(self) -> Tensor:
        """The effective weight ``weight * M``."""
        if self.target_groups == 1:
            return self.weight
        return self.weight * self.get_mask()

    def forward(self, x: Tensor) -> Tensor:
        return self._conv_forward(x, self.masked_weight(), self.bias)

    @torch.no_grad()
    def grouped_weight(self) -> Tensor:
        """The ``g`` diagonal blocks as a grouped-conv weight
        (Cout, Cin/g, kh, kw), whatever ``alpha`` is."""
        g = self.target_groups
        cout, cin, kh, kw = self.weight.shape
        w = self.weight.reshape(g, cout // g, g, cin // g, kh, kw)
        idx = torch.arange(g, device=w.device)
        # Advanced indices on dims 0 and 2 go first: (g, Cout/g, Cin/g, ...).
        return w[idx, :, idx].reshape(cout, cin // g, kh, kw).clone()

    @torch.no_grad()
    def to_grouped(self, check_alpha: bool = True) -> nn.Conv2d:
        """Return the equivalent ``nn.Conv2d(groups=g)`` (bias kept).

        Args:
            check_alpha (bool): Refuse (``ValueError``) when ``alpha`` is not
                0, since the result would then differ from this layer.
                Default: True.
        """
        alpha = float(self.alpha) if check_alpha else 0.0
        if alpha != 0.0:
            raise ValueError(
                f'Cannot convert a MaskedGroupConv2d with alpha={alpha:g} to '
                f'a grouped conv: only alpha=0 is a grouped conv (train '
                'until the gradual-grouping schedule reaches alpha=0)')
        conv = nn.Conv2d(
            self.in_channels,
            self.out_channels,
            self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            groups=self.target_groups,
            bias=self.bias is not None,
            padding_mode=self.padding_mode,
            device=self.weight.device,
            dtype=self.weight.dtype)
        conv.weight.copy_(self.grouped_weight())
        conv.weight.requires_grad_(self.weight.requires_grad)
        if self.bias is not None:
            conv.bias.copy_(self.bias)
            conv.bias.requires_grad_(self.bias.requires_grad)
        conv.train(self.training)
        return conv

    def extra_repr(self) -> str:
        return (super().extra_repr() + f', target_groups={self.target_groups}'
                f', alpha={float(self.alpha):g}')


def _pair(x) -> Tuple[int, int]:
    return tuple(x) if isinstance(x, (tuple, list)) else (x, x)


@MODELS.register_module(name='MaskablePointwiseConv2d')
def build_maskable_pointwise_conv(in_channels: int,
                                  out_channels: int,
                                  kernel_size: _IntOrPair,
                                  stride: _IntOrPair = 1,
                                  padding: Union[_IntOrPair, str] = 0,
                                  dilation: _IntOrPair = 1,
                                  groups: int = 1,
                                  bias: bool = True,
                                  padding_mode: str = 'zeros',
                                  target_groups: int = 2,
                                  alpha: float = 1.0,
                                  deploy: bool = False,
                                  **kwargs) -> nn.Conv2d:
    """Conv builder that makes the eligible 1x1 convs of a model maskable.

    Registered as ``MaskablePointwiseConv2d`` for models that pass one
    ``conv_cfg`` to all their convs. A conv is *eligible* when it is a dense
    (``groups=1``) 1x1 conv and ``target_groups`` divides its input and
    output channels; it becomes ``MaskedGroupConv2d(groups=target_groups)``
    (or, with ``deploy=True``, the true ``nn.Conv2d(groups=target_groups)``
    with the same parameter names). Every other conv (3x3, depthwise,
    indivisible channels) is the ``nn.Conv2d`` that was asked for.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation,
            groups, bias, padding_mode: As ``nn.Conv2d``.
        target_groups (int): Groups of the eligible 1x1 convs. Default: 2.
        alpha (float): Initial ``alpha`` of the maskable convs. Default: 1.0.
        deploy (bool): Build plain grouped convs instead (the deploy model
            that :func:`convert_to_grouped` checkpoints load into).
            Default: False.
        **kwargs: Passed to the conv (e.g. ``device``, ``dtype``).
    """
    eligible = (
        _pair(kernel_size) == (1, 1) and groups == 1 and target_groups > 1
        and in_channels % target_groups == 0
        and out_channels % target_groups == 0)
    common = dict(
        stride=stride,
        padding=padding,
        dilation=dilation,
        bias=bias,
        padding_mode=padding_mode,
        **kwargs)
    if not eligible:
        return nn.Conv2d(
            in_channels, out_channels, kernel_size, groups=groups, **common)
    if deploy:
        return nn.Conv2d(
            in_channels,
            out_channels,
            kernel_size,
            groups=target_groups,
            **common)
    return MaskedGroupConv2d(
        in_channels,
        out_channels,
        kernel_size,
        groups=target_groups,
        alpha=alpha,
        **common)


def _unwrap(model: nn.Module) -> nn.Module:
    """The module inside a DDP / mmengine model wrapper."""
    from mmengine.model import is_model_wrapper
    return model.module if is_model_wrapper(model) else model


def get_masked_convs(
        model: nn.Module,
        name_pattern: Optional[str] = None
) -> List[Tuple[str, MaskedGroupConv2d]]:
    """All ``(name, MaskedGroupConv2d)`` of a model (wrappers unwrapped).

    Args:
        model (nn.Module): The model.
        name_pattern (str, optional): A regular expression; only modules
            whose qualified name matches it (``re.search``) are returned.
    """
    regex = re.compile(name_pattern) if name_pattern else None
    return [(name, m) for name, m in _unwrap(model).named_modules()
            if isinstance(m, MaskedGroupConv2d) and (
                regex is None or regex.search(name))]


def set_alpha(model: nn.Module,
              alpha: float,
              name_pattern: Optional[str] = None) -> int:
    """Set ``alpha`` of every (matching) maskable conv; return their
    number."""
    convs = get_masked_convs(model, name_pattern)
    for _, conv in convs:
        conv.set_alpha(alpha)
    return len(convs)


class AlphaNotZeroError(ValueError):
    """Maskable convs are not grouped convs yet (their alpha is not 0)."""


def check_alpha_zero(model: nn.Module, source: str = 'the model') -> int:
    """Raise :class:`AlphaNotZeroError` unless every maskable conv of
    ``model`` has ``alpha == 0``; return how many maskable convs there are.

    Args:
        model (nn.Module): The model (a wrapper is unwrapped).
        source (str): What to call the model in the message, e.g. the
            checkpoint it was loaded from. Default: 'the model'.

    Raises:
        AlphaNotZeroError: Listing each maskable conv whose alpha is not 0.
    """
    convs = get_masked_convs(model)
    bad = [(name or '<model>', float(m.alpha)) for name, m in convs
           if float(m.alpha) != 0.0]
    if bad:
        listed = '\n'.join(f'  {n}: alpha={a:g}' for n, a in bad[:10])
        more = f'\n  ... and {len(bad) - 10} more' if len(bad) > 10 else ''
        raise AlphaNotZeroError(
            f'Refusing {source}: {len(bad)} of {len(convs)} maskable convs '
            'have alpha != 0, so it is not a grouped model yet:\n'
            f'{listed}{more}\nTrain until the GradualGroupingHook schedule '
            'ends (alpha = 0 from its `end` on) and convert a checkpoint '
            'saved after that.')
    return len(convs)


def convert_to_grouped(model: nn.Module,
                       set_alpha_zero: bool = False) -> nn.Module:
    """Replace every ``MaskedGroupConv2d`` of ``model`` in place by its
    ``nn.Conv2d(groups=g)`` (see :meth:`MaskedGroupConv2d.to_grouped`).

    Nothing is replaced unless every maskable conv has ``alpha == 0``.
    Parameter names are unchanged, so the converted state dict loads into
    the model built with plain grouped convs (minus the ``alpha`` buffers).

    Args:
        model (nn.Module): The model (a wrapper is unwrapped); if it is a
            ``MaskedGroupConv2d`` itself the converted conv is returned.
        set_alpha_zero (bool): First set ``alpha`` of every maskable conv
            to 0: the network a gradual-grouping config deploys to, for
            counting and random-weight measurements (a trained checkpoint
            with ``alpha != 0`` must be refused instead). Works on the
            ``meta`` device. Default: False.

    Returns:
        nn.Module: ``model`` (or the converted conv).

    Raises:
        AlphaNotZeroError: Naming each maskable conv whose ``alpha`` is
            not 0.
    """
    convs = get_masked_convs(model)
    if set_alpha_zero:
        for _, conv in convs:
            conv.set_alpha(0.0)
    else:
        check_alpha_zero(model)
    root = _unwrap(model)
    if isinstance(root, MaskedGroupConv2d):
        return root.to_grouped(check_alpha=False)
    for name, conv in convs:
        parent_name, _, child = name.rpartition('.')
        parent = root.get_submodule(parent_name) if parent_name else root
        setattr(parent, child, conv.to_grouped(check_alpha=False))
    return model


def deploy_conv_cfgs(cfg):
    """Return a copy of a (model) config in which every maskable conv config
    is replaced by its deploy equivalent.

    ``dict(type='MaskedGroupConv2d', ...)`` becomes ``None`` (the caller then
    builds ``nn.Conv2d`` with the same ``groups``, i.e. the grouped conv);
    ``dict(type='MaskablePointwiseConv2d', ...)`` gets ``deploy=True``.

    Args:
        cfg (dict | list | Any): A config node (``ConfigDict`` is fine).
    """
    if isinstance(cfg, dict):
        if cfg.get('type') in ('MaskedGroupConv2d', MaskedGroupConv2d):
            return None
        out = {k: deploy_conv_cfgs(v) for k, v in cfg.items()}
        if cfg.get('type') in ('MaskablePointwiseConv2d',
                               build_maskable_pointwise_conv):
            out['deploy'] = True
            out.pop('alpha', None)
        return out
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(deploy_conv_cfgs(v) for v in cfg)
    return cfg
