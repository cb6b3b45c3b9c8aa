# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Deploy-time rewrites of a segmentor that keep its logits.

* :func:`remove_training_only`: dropout / drop-path layers become
  ``nn.Identity`` (they are identities in eval mode anyway).
* :func:`fold_batchnorm`: every eval-mode batch norm whose input is the
  output of a conv (or of a channel shuffle of it) and nothing else is folded
  into that conv's weight and bias and replaced by ``nn.Identity``.
* :func:`deconv_to_pixel_shuffle`: transposed convs whose kernel equals
  their stride become a 1x1 conv and a pixel shuffle (same function).
* :func:`prepare_for_deploy`: the whole deploy path: gradual-grouping convs
  to true grouped convs (:func:`convert_to_grouped`), the above, and each
  module's own ``switch_to_deploy()`` and :func:`interp_conv_first` (ESSNet's
  1x1-upsampling blocks run their conv before the upsampling).

Which batch norms follow which conv is found by running the model once on
an example input (so any family works, whatever its forward looks like):
forward hooks record which conv produced each tensor, and a
``TorchFunctionMode`` counts how many operators consume it. A batch norm is
folded only when its input tensor has exactly one consumer (the batch norm)
and both modules ran exactly once; everything else is left alone.
"""
import collections
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.overrides import TorchFunctionMode

from ..models.layers.maskable_conv import (convert_to_grouped,
                                           get_masked_convs)
from ..models.utils import ChannelShuffle

__all__ = [
    'remove_training_only', 'fold_batchnorm', 'prepare_for_deploy',
    'PixelShuffleDeconv', 'deconv_to_pixel_shuffle', 'interp_conv_first',
    'StaticAdaptiveAvgPool2d', 'static_adaptive_pool',
    'DROPOUT_TYPES', 'PERMUTATION_TYPES'
]

#: Modules that are identities at inference and are removed.
DROPOUT_TYPES: Tuple[type, ...] = (nn.Dropout, nn.Dropout1d, nn.Dropout2d,
                                   nn.Dropout3d, nn.AlphaDropout)
try:  # mmcv's DropPath (mmseg's and mmpretrain's transformers use it)
    from mmcv.cnn.bricks.drop import DropPath as _MMCVDropPath
    DROPOUT_TYPES += (_MMCVDropPath, )
except ImportError:  # pragma: no cover
    pass

#: Modules that only permute channels; a batch norm after one of them is
#: folded into the conv before it with its parameters permuted back.
PERMUTATION_TYPES: Tuple[type, ...] = (ChannelShuffle, )

_CONV_TYPES = (nn.Conv2d, nn.ConvTranspose2d)


def _set_submodule(model: nn.Module, name: str, new: nn.Module) -> None:
    parent_name, _, child = name.rpartition('.')
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, child, new)


def remove_training_only(model: nn.Module) -> List[str]:
    """Replace dropout and drop-path layers by ``nn.Identity`` (in place).

    Returns:
        list[str]: The names of the replaced modules.
    """
    # remove_duplicate=False: a dropout shared by several parents is
    # replaced under every name
    names = [
        name for name, m in model.named_modules(remove_duplicate=False)
        if name and isinstance(m, DROPOUT_TYPES)
    ]
    for name in names:
        _set_submodule(model, name, nn.Identity())
    return names


def _iter_tensors(obj):
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            yield from _iter_tensors(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _iter_tensors(o)


class _UseCounter(TorchFunctionMode):
    """Counts, per tensor, the operators that consume it and return a
    tensor (metadata queries like ``x.shape`` or ``x.dim()`` do not count).
    The tensors are kept alive so that ``id`` values are not reused."""

    def __init__(self):
        super().__init__()
        self.uses = collections.Counter()
        self.alive = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if any(True for _ in _iter_tensors(out)):
            for t in _iter_tensors((args, kwargs)):
                self.uses[id(t)] += 1
                self.alive.append(t)
        return out


def _find_conv_bn_pairs(model: nn.Module, inputs: Sequence,
                        forward_kwargs: Optional[dict] = None
                        ) -> List[Tuple[str, str, Optional[torch.Tensor]]]:
    """``(conv name, bn name, perm)`` for every foldable pair, found by one
    forward pass. ``perm`` is None, or the channel permutation ``p`` of a
    shuffle between them (BN channel ``k`` sees conv channel ``p[k]``)."""
    produced: Dict[int, str] = {}  # tensor id -> conv name
    permuted: Dict[int, Tuple[int, torch.Tensor]] = {}  # out id -> (in id, p)
    bn_inputs: Dict[str, int] = {}
    calls = collections.Counter()
    alive = []
    handles = []

    def conv_hook(name):

        def hook(module, args, output):
            calls[name] += 1
            produced[id(output)] = name
            alive.append(output)

        return hook

    def perm_hook(name):

        def hook(module, args, output):
            calls[name] += 1
            x = args[0]
            # channel k of the output is channel perm[k] of the input
            # (.forward: no hooks, no recursion)
            probe = torch.arange(
                x.shape[1], dtype=x.dtype, device=x.device).view(
                    1, -1, *([1] * (x.dim() - 2)))
            perm = module.forward(probe).flatten().long()
            permuted[id(output)] = (id(x), perm)
            alive.extend([x, output])

        return hook

    def bn_hook(name):

        def hook(module, args):
            calls[name] += 1
            bn_inputs[name] = id(args[0])
            alive.append(args[0])

        return hook

    for name, m in model.named_modules():
        if isinstance(m, _CONV_TYPES):
            handles.append(m.register_forward_hook(conv_hook(name)))
        elif isinstance(m, PERMUTATION_TYPES):
            handles.append(m.register_forward_hook(perm_hook(name)))
        elif isinstance(m, _BatchNorm):
            handles.append(m.register_forward_pre_hook(bn_hook(name)))
    counter = _UseCounter()
    try:
        with torch.no_grad(), counter:
            model(*inputs, **(forward_kwargs or {}))
    finally:
        for h in handles:
            h.remove()
    pairs = []
    for bn_name, tid in bn_inputs.items():
        if calls[bn_name] != 1 or counter.uses[tid] != 1:
            continue
        perm = None
        if tid in permuted:
            tid, perm = permuted[tid]
            if counter.uses[tid] != 1:
                continue
        conv_name = produced.get(tid)
        if conv_name is not None and calls[conv_name] == 1:
            pairs.append((conv_name, bn_name, perm))
    return pairs


@torch.no_grad()
def _fold(conv: nn.Module, bn: _BatchNorm,
          perm: Optional[torch.Tensor]) -> None:
    scale = (bn.weight if bn.affine else torch.ones_like(bn.running_var)
             ) / torch.sqrt(bn.running_var + bn.eps)
    shift = (bn.bias if bn.affine else torch.zeros_like(bn.running_mean)
             ) - bn.running_mean * scale
    if perm is not None:  # BN channel k acts on conv channel perm[k]
        s, b = torch.empty_like(scale), torch.empty_like(shift)
        s[perm], b[perm] = scale, shift
        scale, shift = s, b
    w = conv.weight
    if isinstance(conv, nn.ConvTranspose2d):
        g = conv.groups
        cin, cout_g = w.shape[:2]
        w5 = w.view(g, cin // g, cout_g, *w.shape[2:])
        w5.mul_(scale.view(g, 1, cout_g, *([1] * (w.dim() - 2))).to(w))
    else:
        w.mul_(scale.view(-1, *([1] * (w.dim() - 1))).to(w))
    bias = conv.bias if conv.bias is not None else torch.zeros_like(scale)
    new_bias = (bias * scale + shift).to(w)
    if conv.bias is None:
        conv.bias = nn.Parameter(new_bias, requires_grad=False)
    else:
        conv.bias.copy_(new_bias)


def fold_batchnorm(model: nn.Module,
                   inputs: Sequence,
                   forward_kwargs: Optional[dict] = None) -> List[str]:
    """Fold eval-mode batch norms into the convs that feed them (in place).

    Args:
        model (nn.Module): The model, in eval mode.
        inputs (Sequence): Positional arguments of one forward pass used to
            find the conv -> BN pairs (e.g. ``(x, )``).
        forward_kwargs (dict, optional): Keyword arguments of that pass
            (e.g. ``dict(mode='tensor')`` for a segmentor).

    Returns:
        list[str]: The names of the folded (now ``nn.Identity``) norms.
    """
    if model.training:
        raise ValueError('fold_batchnorm needs a model in eval mode '
                         '(call model.eval() first)')
    folded = []
    for conv_name, bn_name, perm in _find_conv_bn_pairs(
            model, inputs, forward_kwargs):
        conv = model.get_submodule(conv_name)
        bn = model.get_submodule(bn_name)
        if (not bn.track_running_stats or bn.running_var is None
                or bn.num_features != conv.out_channels):
            continue
        _fold(conv, bn, perm)
        _set_submodule(model, bn_name, nn.Identity())
        folded.append(bn_name)
    return folded


def interp_conv_first(model: nn.Module) -> List[str]:
    """Run the 1x1 conv (+ batch norm) of mmseg's ``InterpConv`` blocks
    (ESSNet's "1x1 upsampling": upsample, then conv-norm-act) *before* the
    upsampling, in place; return the names of the rewritten blocks.

    Bilinear / nearest interpolation mixes pixels with weights summing to 1
    and a 1x1 conv with an eval-mode batch norm mixes channels affinely, so
    they commute (exactly, up to float rounding); the activation stays
    after the upsampling. The conv then costs 1 / scale**2 of its MACs and
    the interpolation runs on the block's output channels. Blocks with a
    larger kernel, another norm, another order or ``conv_first`` already
    are left alone.
    """
    try:
        from mmseg.models.backbones.unet import InterpConv
    except ImportError:  # pragma: no cover
        return []
    names = []
    for name, m in model.named_modules():
        if not isinstance(m, InterpConv) or len(m.interp_upsample) != 2:
            continue
        upsample, conv_module = m.interp_upsample
        conv = getattr(conv_module, 'conv', None)
        norm = conv_module.norm if getattr(conv_module, 'with_norm',
                                           False) else None
        if (not hasattr(upsample, 'mode') or upsample.mode
                not in ('bilinear', 'nearest') or conv is None
                or tuple(conv_module.order) != ('conv', 'norm', 'act')
                or tuple(conv.kernel_size) != (1, 1)
                or tuple(conv.stride) != (1, 1)
                or tuple(conv.padding) != (0, 0)
                or (norm is not None and not isinstance(norm, _BatchNorm))):
            continue
        act = conv_module.activate if conv_module.with_activation else None
        if getattr(upsample, 'size', None) is None and getattr(
                upsample, 'scale_factor', None):
            # mmseg's Upsample computes int(size * scale): a constant in an
            # ONNX export; nn.Upsample's scale keeps H and W dynamic
            upsample = nn.Upsample(
                scale_factor=upsample.scale_factor, mode=upsample.mode,
                align_corners=upsample.align_corners
                if upsample.mode != 'nearest' else None)
        m.interp_upsample = nn.Sequential(conv, norm or nn.Identity(),
                                          upsample, act or nn.Identity())
        names.append(name)
    return names


class PixelShuffleDeconv(nn.Module):
    """A transposed conv whose kernel equals its stride (no overlap), as a
    1x1 conv to ``C_out * s_h * s_w`` channels followed by a pixel shuffle.

    Exactly the same function as the ``nn.ConvTranspose2d`` it is built
    from; CPU runtimes run a 1x1 conv and a ``DepthToSpace`` much faster
    than a strided transposed conv (col2im). Use :meth:`from_deconv`.
    """

    def __init__(self, conv: nn.Conv2d, stride: Tuple[int, int]):
        super().__init__()
        self.conv = conv
        self.stride = tuple(stride)

    @classmethod
    def eligible(cls, deconv: nn.Module) -> bool:
        """Whether ``deconv`` is a ConvTranspose2d this class can
        replace (kernel == stride, no padding, dilation or groups; a
        square stride, as ``pixel_shuffle`` needs)."""
        return (type(deconv) is nn.ConvTranspose2d
                and tuple(deconv.kernel_size) == tuple(deconv.stride)
                and deconv.stride[0] == deconv.stride[1]
                and tuple(deconv.padding) == (0, 0)
                and tuple(deconv.output_padding) == (0, 0)
                and tuple(deconv.dilation) == (1, 1) and deconv.groups == 1
                and deconv.padding_mode == 'zeros')

    @classmethod
    @torch.no_grad()
    def from_deconv(cls, deconv: nn.ConvTranspose2d) -> 'PixelShuffleDeconv':
        if not cls.eligible(deconv):
            raise ValueError(f'Cannot turn {deconv} into a pixel shuffle: '
                             'it needs kernel_size == stride (square), no '
                             'padding, dilation or groups')
        sh, sw = deconv.stride
        cin, cout = deconv.in_channels, deconv.out_channels
        conv = nn.Conv2d(cin, cout * sh * sw, 1, bias=True).to(
            deconv.weight)
        # weight (Cin, Cout, sh, sw) -> (Cout*sh*sw, Cin, 1, 1), channel
        # o*sh*sw + a*sw + b: pixel_shuffle's order
        conv.weight.copy_(
            deconv.weight.permute(1, 2, 3, 0).reshape(-1, cin, 1, 1))
        bias = (deconv.bias if deconv.bias is not None else
                torch.zeros(cout).to(deconv.weight))
        conv.bias.copy_(bias.repeat_interleave(sh * sw))
        return cls(conv, (sh, sw))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.pixel_shuffle(self.conv(x), self.stride[0])


def deconv_to_pixel_shuffle(model: nn.Module) -> List[str]:
    """Replace every non-overlapping ``nn.ConvTranspose2d`` (kernel ==
    stride, e.g. ERFNet's and ESSNet's 2x2 output deconv) by the equivalent
    :class:`PixelShuffleDeconv` (in place); return their names."""
    names = [
        name for name, m in model.named_modules()
        if name and PixelShuffleDeconv.eligible(m)
    ]
    for name in names:
        _set_submodule(model, name,
                       PixelShuffleDeconv.from_deconv(
                           model.get_submodule(name)))
    return names


class StaticAdaptiveAvgPool2d(nn.Module):
    """``nn.AdaptiveAvgPool2d`` as two matrix products with averaging
    matrices built from the input size.

    The same function (up to float rounding); it exports to ONNX at a fixed
    input size even when the output size does not divide the input size
    (PyTorch's exporter refuses those adaptive poolings, e.g. Fast-SCNN's
    and PSPNet's pyramid pooling). The matrices become constants of the
    graph, so the export is static in H and W.
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    @staticmethod
    def _matrix(size: int, out: int, like: torch.Tensor) -> torch.Tensor:
        rows = []
        for i in range(out):
            start, end = (i * size) // out, -((-(i + 1) * size) // out)
            row = torch.zeros(size, dtype=like.dtype, device=like.device)
            row[start:end] = 1.0 / (end - start)
            rows.append(row)
        return torch.stack(rows)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = int(x.shape[-2]), int(x.shape[-1])
        oh, ow = (self.output_size if isinstance(self.output_size,
                                                 (tuple, list)) else
                  (self.output_size, self.output_size))
        oh, ow = oh or h, ow or w
        pool_h = self._matrix(h, oh, x)
        pool_w = self._matrix(w, ow, x)
        return torch.matmul(torch.matmul(pool_h, x), pool_w.t())


def static_adaptive_pool(model: nn.Module) -> List[str]:
    """Replace every ``nn.AdaptiveAvgPool2d`` whose output is not 1x1 by
    :class:`StaticAdaptiveAvgPool2d` (in place; for a fixed-size ONNX
    export); return their names."""
    names = [
        name for name, m in model.named_modules()
        if name and type(m) is nn.AdaptiveAvgPool2d
        and m.output_size not in (1, (1, 1), [1, 1])
    ]
    for name in names:
        _set_submodule(model, name, StaticAdaptiveAvgPool2d(
            model.get_submodule(name).output_size))
    return names


def prepare_for_deploy(model: nn.Module,
                       shape: Sequence[int] = (64, 128),
                       fold_bn: bool = True,
                       grouped: bool = True,
                       allow_alpha: bool = False,
                       pixel_shuffle: bool = False) -> Dict[str, object]:
    """Turn an eval-mode segmentor into its deploy form, in place.

    Steps: maskable convs to true grouped convs, dropout removed, each
    module's ``switch_to_deploy()``, the 1x1 conv of ``InterpConv`` blocks
    before their upsampling (:func:`interp_conv_first`), batch norms folded (found with one
    tensor-mode forward at ``shape``), non-overlapping transposed convs as
    1x1 conv + pixel shuffle.

    Args:
        model (nn.Module): An mmseg segmentor (``model(x, mode='tensor')``).
        shape (Sequence[int]): (H, W) of the tracing input. Default: (64, 128).
        fold_bn (bool): Fold batch norms. Default: True.
        grouped (bool): Convert maskable convs. Default: True.
        allow_alpha (bool): Set ``alpha`` of every maskable conv to 0 before
            converting (for random-weight measurements only; a trained
            checkpoint with ``alpha != 0`` is refused otherwise).
            Default: False.
        pixel_shuffle (bool): Replace non-overlapping transposed convs by
            a 1x1 conv + pixel shuffle (:func:`deconv_to_pixel_shuffle`).
            Default: False (onnxruntime 1.32's ``DepthToSpace`` is slower
            than its ``ConvTranspose`` for ESSNet's output deconv).

    Returns:
        dict: ``grouped`` (number of converted convs), ``dropouts``,
        ``switched``, ``interp_conv_first``, ``folded_bn`` and
        ``pixel_shuffle`` (lists of module names).
    """
    model.eval()
    report = dict(grouped=0, dropouts=[], switched=[], interp_conv_first=[],
                  folded_bn=[], pixel_shuffle=[])
    if grouped and get_masked_convs(model):
        report['grouped'] = len(get_masked_convs(model))
        convert_to_grouped(model, set_alpha_zero=allow_alpha)
    report['dropouts'] = remove_training_only(model)
    for name, m in model.named_modules():
        if hasattr(m, 'switch_to_deploy') and callable(m.switch_to_deploy):
            m.switch_to_deploy()
            report['switched'].append(name)
    report['interp_conv_first'] = interp_conv_first(model)
    if fold_bn:
        device = next(model.parameters()).device
        x = torch.rand(1, 3, *shape, device=device)
        report['folded_bn'] = fold_batchnorm(
            model, (x, ), dict(mode='tensor'))
    if pixel_shuffle:
        report['pixel_shuffle'] = deconv_to_pixel_shuffle(model)
    return report
