# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Upsampling layers and blocks built from config dicts.

Decoders take their upsamplers as registry configs (``upsample_cfg``) so that
a new decoder adds a registered block rather than a string mode. The blocks
are mmseg's:

* ``dict(type='UpsamplerBlock')``: ERFNet's 3x3 transposed conv with stride
  2 (padding 1, output padding 1), norm and activation (mmseg's
  ``backbones/erfnet.py``; registered here, mmseg does not).
* ``dict(type='DeconvModule', kernel_size=k, scale_factor=s)``: a k x k
  transposed conv with stride s, norm and activation (mmseg's UNet block;
  ``k >= s`` and ``k - s`` even, so every output pixel is reached).
* ``dict(type='InterpConv')``: bilinear upsampling then a 1x1 ConvModule
  (ESSNet's "1x1 upsampling").

Output layers that map features to classes and upsample at once are mmcv's
``build_upsample_layer`` configs, e.g. ``dict(type='deconv', kernel_size=2,
stride=2)`` (ERFNet's output layer).
"""
from typing import Optional

import torch.nn as nn
from mmcv.cnn import build_upsample_layer
from mmseg.models.backbones.erfnet import UpsamplerBlock
from mmseg.registry import MODELS

if MODELS.get('UpsamplerBlock') is None:
    MODELS.register_module(name='UpsamplerBlock', module=UpsamplerBlock)


def build_block(cfg: dict, **defaults) -> nn.Module:
    """Build ``cfg`` from mmseg's ``MODELS``, filling in ``defaults`` it does
    not set. Defaults that are None are left out, so that blocks without,
    e.g., a ``conv_cfg`` argument still build.

    Raises:
        TypeError: ``cfg`` is not a dict with a ``type``.
    """
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError(f'expected a block config dict with a "type", got '
                        f'{cfg!r}')
    cfg = dict(cfg)
    for key, value in defaults.items():
        if value is not None:
            cfg.setdefault(key, value)
    return MODELS.build(cfg)


def check_upsampling_kernel(layer: nn.Module, where: str) -> None:
    """Refuse transposed convs whose kernel is smaller than their stride.

    Such a layer reaches only ``k^2 / s^2`` of its output pixels; the others
    get the bias alone, whatever the input.

    Args:
        layer (nn.Module): A module; every ``nn.ConvTranspose2d`` in it is
            checked.
        where (str): Names the argument at fault in the error.

    Raises:
        ValueError: A kernel smaller than the stride, naming ``where``.
    """
    for module in layer.modules():
        if isinstance(module, nn.ConvTranspose2d):
            for k, s in zip(module.kernel_size, module.stride):
                if k < s:
                    raise ValueError(
                        f'{where}: a transposed conv with kernel '
                        f'{module.kernel_size} and stride {module.stride} '
                        f'leaves output pixels that only its bias reaches; '
                        f'use kernel_size >= stride')


def build_output_layer(cfg: Optional[dict], in_channels: int,
                       out_channels: int) -> Optional[nn.Module]:
    """An output layer from an mmcv upsample config, e.g.
    ``dict(type='deconv', kernel_size=2, stride=2)``; None for None."""
    if cfg is None:
        return None
    layer = build_upsample_layer(
        cfg, in_channels=in_channels, out_channels=out_channels)
    check_upsampling_kernel(layer, f'output layer {cfg!r}')
    return layer
