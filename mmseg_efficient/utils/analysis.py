# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Model analysis shared by ``get_flops.py``, ``benchmark.py`` and the demo.

Conventions (those of the papers this package reproduces):

* **Params** are all parameters of the deployed segmentor: backbone, neck and
  decode head(s). Auxiliary heads are training-only and excluded.
* **GFLOPs are multiply-accumulates** (one fused multiply-add = one FLOP),
  counted by mmengine's fvcore-style ``FlopAnalyzer`` (the counter behind
  mmseg's ``get_flops.py``) on the network's tensor-mode forward. It counts
  convolutions and transposed convolutions (MACs), batch norm (about one
  op per element) and bilinear interpolation; it does not count pooling,
  activations or element-wise adds. The convolution-only figure is
  reported separately as ``conv_gmacs``; it is not how every paper counted
  (see ``configs/essnet/README.md`` and the reference notes: the ESSNet
  thesis, for one, counted weights only and a different network).
* :func:`thesis_complexity` is the ESSNet thesis' own counting, which
  reproduces its published (params, GFLOPs) pairs; it is not a true count.
* Both countings count a gradual-grouping config (maskable convs) as the
  network it deploys to: its maskable convs at ``alpha`` 0, converted to
  grouped convs (:func:`convert_to_grouped`). :func:`config_complexity` is
  the one counting path of ``get_flops.py``, ``update_metafile.py`` and the
  efficiency report.
"""
import statistics
import time
from typing import Dict, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope

from ..models.layers.maskable_conv import (convert_to_grouped,
                                           get_masked_convs)
from ..models.utils.config_helpers import drop_class_weight_files

#: What ``thesis_complexity`` counts: the ESSNet thesis' networks.
THESIS_FAMILY = ("the ESSNet thesis' networks: ERFNet, ESSNetA, ESSNetB, "
                 'ESSNet and WSPD-Net, i.e. encoders built of ERFNet '
                 "DownsamplerBlocks (mmseg's ERFNet, ERFNetEncoder, ESSNetA, "
                 'ESSNetB, WSPDNet)')


def build_segmentor(cfg: Config, checkpoint: Optional[str] = None,
                    drop_auxiliary: bool = True,
                    device: str = 'cpu',
                    allow_partial_checkpoint: bool = False,
                    grouped: bool = False) -> torch.nn.Module:
    """Build ``cfg.model`` for analysis: BN instead of SyncBN, eval mode,
    auxiliary heads dropped, loss class weights read from files dropped,
    optionally with a checkpoint.

    Args:
        cfg (Config): A segmentation config.
        checkpoint (str, optional): Weights to load (strictly, see
            :func:`~mmseg_efficient.utils.load_checkpoint_strict`); random
            weights if None.
        drop_auxiliary (bool): Remove ``auxiliary_head`` (training only).
            Default: True.
        device (str): Device to put the model on. Default: 'cpu'.
        allow_partial_checkpoint (bool): Load a checkpoint that does not fit
            the model (only warn). Default: False.
        grouped (bool): Build a gradual-grouping model as it deploys: its
            maskable convs converted to grouped convs
            (:func:`convert_to_grouped`), at ``alpha`` 0 with random
            weights; a checkpoint whose ``alpha`` is not 0 is refused
            (``AlphaNotZeroError``). Default: False (as trained).
    """
    import copy

    from mmseg.registry import MODELS
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model_cfg = copy.deepcopy(cfg.model)
    drop_class_weight_files(model_cfg)
    model = MODELS.build(model_cfg)
    model = revert_sync_batchnorm(model)
    if checkpoint:
        from .checkpoint import load_checkpoint_strict
        load_checkpoint_strict(
            model,
            checkpoint,
            allow_partial=allow_partial_checkpoint,
            ignore_prefixes=('auxiliary_head.', ) if drop_auxiliary else ())
    if drop_auxiliary and getattr(model, 'auxiliary_head', None) is not None:
        model.auxiliary_head = None
    if grouped:
        convert_to_grouped(model, set_alpha_zero=not checkpoint)
    return model.to(device).eval()


def config_complexity(cfg: Config,
                      shape: Sequence[int] = (512, 1024),
                      counting: str = 'true',
                      flops: bool = True) -> Dict[str, float]:
    """Params and GMACs of the network a config deploys to: the one
    counting path of ``get_flops.py``, ``update_metafile.py`` and the
    efficiency report.

    A gradual-grouping config counts as its grouped network (maskable convs
    at ``alpha`` 0 as grouped convs), in both countings.

    Args:
        cfg (Config): A segmentation config.
        shape (Sequence[int]): Input (H, W). Default: (512, 1024).
        counting (str): ``'true'``: the network as built, every parameter
            (:func:`model_complexity`); ``'thesis'``: the ESSNet thesis'
            counting (:func:`thesis_complexity`). Default: 'true'.
        flops (bool): Also count GMACs (``'true'`` counting; the thesis
            counting always does). Default: True.

    Returns:
        dict: ``params``, (with ``flops``) ``gmacs``, ``grouped_convs``
        (the maskable convs counted as grouped convs), plus
        :func:`model_complexity`'s other keys in the ``'true'`` counting.
    """
    if counting == 'thesis':
        return thesis_complexity(cfg, shape)
    if counting != 'true':
        raise ValueError(
            f"counting must be 'true' or 'thesis', got {counting!r}")
    model = build_segmentor(cfg)
    grouped_convs = len(get_masked_convs(model))
    convert_to_grouped(model, set_alpha_zero=True)
    result = dict(params=count_params(model))
    if flops:
        result.update(model_complexity(model, shape))
    result['grouped_convs'] = grouped_convs
    return result


def count_params(model: torch.nn.Module) -> int:
    """Number of parameters, auxiliary heads excluded."""
    return sum(p.numel() for name, p in model.named_parameters()
               if not name.startswith('auxiliary_head.'))


def _dummy_input(model: torch.nn.Module, shape: Sequence[int]):
    device = next(model.parameters()).device
    return torch.rand(1, 3, *shape, device=device)


class TensorForward(torch.nn.Module):
    """Wraps a segmentor so that ``forward(x)`` is its tensor-mode forward
    (the raw network, no pre/post-processing)."""

    def __init__(self, segmentor: torch.nn.Module):
        super().__init__()
        self.segmentor = segmentor

    def forward(self, x):
        return self.segmentor(x, mode='tensor')


def model_complexity(model: torch.nn.Module,
                     shape: Sequence[int] = (512, 1024)) -> Dict[str, float]:
    """Params and GMACs of a segmentor at an input of ``shape`` = (H, W).

    Returns:
        dict: ``params`` (int), ``gmacs`` (float, multiply-accumulates / 1e9,
        all counted operators), ``conv_gmacs`` (convolutions only),
        ``by_operator`` (dict of GMACs) and ``output_shape`` (tuple) of the
        tensor-mode logits.
    """
    from mmengine.analysis import FlopAnalyzer
    wrapped = TensorForward(model).eval()
    x = _dummy_input(model, shape)
    with torch.no_grad():
        out = wrapped(x)
        analyzer = FlopAnalyzer(wrapped, (x, ))
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        by_operator = {k: v / 1e9 for k, v in analyzer.by_operator().items()}
    return dict(
        params=count_params(model),
        gmacs=sum(by_operator.values()),
        conv_gmacs=by_operator.get('conv', 0.0),
        by_operator=by_operator,
        output_shape=tuple(out.shape))


def latency_stats(times: Sequence[float]) -> Dict[str, float]:
    """``median_ms``, ``mean_ms``, ``stdev_ms``, ``min_ms``, ``max_ms``,
    ``fps`` (1000 / median) and ``iters`` of a list of latencies (ms)."""
    median = statistics.median(times)
    return dict(
        median_ms=median,
        mean_ms=statistics.fmean(times),
        stdev_ms=statistics.stdev(times) if len(times) > 1 else 0.0,
        min_ms=min(times),
        max_ms=max(times),
        fps=1000.0 / median,
        iters=len(times))


def thesis_complexity(cfg: Config,
                      shape: Sequence[int] = (512, 1024),
                      num_classes: int = 20) -> Dict[str, float]:
    """Params and GMACs as the ESSNet thesis counted them (its Tables 3.2,
    3.4 and 3.5).

    The recipe (``essnet_erfnet_counts.md`` §0 of the reference notes), which
    reproduces ten of its twelve published pairs exactly, both numbers:

    * params are conv and transposed-conv **weights only** (no biases, no
      norm parameters); GFLOPs are **multiply-accumulates**;
    * each ERFNet Downsampler block counts as a plain 3x3 stride-2 conv
      Cin -> Cout (the real block is a Cin -> Cout - Cin conv concatenated
      with a max-pool);
    * transposed convs whose kernel differs from their stride (ERFNet's 3x3
      stride-2 upsamplers) count at their **output** resolution
      (``k^2 Cin Cout Hout Wout``, 4x their true cost); kernel = stride
      (the 2x2 output layer) counts its true MACs;
    * each decoder stage counts **one** residual block (the first), where
      the tables list two;
    * ``num_classes`` = 20 (19 + void, ERFNet's code);
    * a gradual-grouping model counts as the grouped network it deploys to
      (its maskable convs at ``alpha`` 0, :func:`convert_to_grouped`), as
      the thesis counted ESSNet-DG2/DG4.

    It applies to the thesis' family only (:data:`THESIS_FAMILY`): the
    Downsampler rule and the one-block rule describe those networks.
    Decoder stages are found by what they are: a decode head whose
    ``stages`` are sequences of (upsampler, residual blocks), as
    ``ERFNetHead`` and its subclasses build them.

    The network is built on the ``meta`` device (no memory, no compute), so
    any ``shape`` is cheap. Auxiliary heads are excluded.

    Args:
        cfg (Config): A segmentation config.
        shape (Sequence[int]): Input (H, W). Default: (512, 1024).
        num_classes (int): Classes of the output layer. Default: 20.

    Returns:
        dict: ``params`` (int, weights), ``gmacs`` (float, MACs / 1e9) and
        ``grouped_convs`` (maskable convs counted as grouped convs).

    Raises:
        ValueError: The config builds a network outside the thesis' family
            (naming the config, its backbone type and the family).
    """
    import copy

    import torch.nn as nn
    from mmseg.models.backbones.erfnet import DownsamplerBlock
    from mmseg.registry import MODELS

    cfg = copy.deepcopy(cfg)
    cfg.model.decode_head.num_classes = num_classes
    cfg.model.pop('auxiliary_head', None)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    with torch.device('meta'):
        model = revert_sync_batchnorm(MODELS.build(cfg.model)).eval()
    if not any(isinstance(m, DownsamplerBlock)
               for m in model.backbone.modules()):
        raise ValueError(
            f"The thesis counting (get_flops.py --counting thesis) knows "
            f'{THESIS_FAMILY}; {cfg.filename or "the config"} builds a '
            f'{cfg.model.backbone.type} backbone, which it would count '
            'wrongly. Use the default counting (--counting true).')
    grouped_convs = len(get_masked_convs(model))
    convert_to_grouped(model, set_alpha_zero=True)
    skipped = set()
    for stage in _decoder_stages(model.decode_head):
        for block in list(stage)[2:]:  # [upsampler, first block, ...]
            skipped.update(block.modules())
    counts = dict(params=0, macs=0)

    def count(weights: int, pixels: int) -> None:
        counts['params'] += weights
        counts['macs'] += weights * pixels

    def hook(module, inputs, output):
        h_in, w_in = inputs[0].shape[2:]
        h_out, w_out = output.shape[2:]
        if isinstance(module, DownsamplerBlock):
            c_in = module.conv.in_channels
            count(9 * c_in * output.shape[1], h_out * w_out)
        elif isinstance(module, nn.ConvTranspose2d) and (
                module.kernel_size == module.stride):
            count(module.weight.numel(), h_in * w_in)
        else:  # a conv, or a transposed conv counted at output resolution
            count(module.weight.numel(), h_out * w_out)

    handles = []
    for module in model.modules():
        if module in skipped:
            continue
        if isinstance(module, DownsamplerBlock):
            skipped.update(module.modules())
            handles.append(module.register_forward_hook(hook))
        elif isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
            handles.append(module.register_forward_hook(hook))
    with torch.no_grad():
        model(torch.empty(1, 3, *shape, device='meta'), mode='tensor')
    for handle in handles:
        handle.remove()
    return dict(params=counts['params'], gmacs=counts['macs'] / 1e9,
                grouped_convs=grouped_convs)


def _decoder_stages(head: torch.nn.Module) -> list:
    """The (upsampler, residual blocks...) stages of an ERFNet-style decode
    head (a ``stages`` list of sequences); [] for any other head."""
    stages = getattr(head, 'stages', None)
    if not isinstance(stages, torch.nn.ModuleList):
        return []
    return [s for s in stages if isinstance(s, torch.nn.Sequential)]


def measure_latency(model: torch.nn.Module,
                    shape: Sequence[int] = (512, 1024),
                    warmup: int = 5,
                    iters: int = 20) -> Dict[str, float]:
    """Latency of the tensor-mode forward at batch size 1.

    Synchronises CUDA around every run when the model is on a GPU.

    Returns:
        dict: ``median_ms``, ``mean_ms``, ``stdev_ms``, ``min_ms``, ``max_ms``,
        ``fps`` (1000 / median) and ``iters``.
    """
    if warmup < 0 or iters < 1:
        raise ValueError(f'warmup must be >= 0 and iters >= 1, got '
                         f'warmup={warmup}, iters={iters}')
    x = _dummy_input(model, shape)
    cuda = x.is_cuda
    times = []
    with torch.no_grad():
        for i in range(warmup + iters):
            if cuda:
                torch.cuda.synchronize()
            start = time.perf_counter()
            model(x, mode='tensor')
            if cuda:
                torch.cuda.synchronize()
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000)
    return latency_stats(times)
