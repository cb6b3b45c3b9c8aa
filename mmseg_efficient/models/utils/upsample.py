# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Builders of exact-factor upsampling layers."""
from typing import Optional, Tuple

import torch.nn as nn


def deconv_padding(scale_factor: int, kernel_size: int) -> Tuple[int, int]:
    """``(padding, output_padding)`` of a transposed conv whose output is
    exactly ``scale_factor`` times its input.

    A kernel equal to the stride tiles the output (ERFNet's 2x2 output
    layer); other kernels are centred (ERFNet's 3x3 upsampler: padding 1,
    output padding 1).

    Raises:
        ValueError: No valid output padding exists for the pair.
    """
    if scale_factor < 1 or kernel_size < 1:
        raise ValueError(f'scale_factor and kernel_size must be >= 1, got '
                         f'{scale_factor} and {kernel_size}')
    if kernel_size == scale_factor:
        return 0, 0
    padding = (kernel_size - 1) // 2
    output_padding = scale_factor - kernel_size + 2 * padding
    if not 0 <= output_padding < scale_factor:
        raise ValueError(f'A {kernel_size}x{kernel_size} transposed conv '
                         f'cannot upsample exactly x{scale_factor}')
    return padding, output_padding


def build_deconv(in_channels: int,
                 out_channels: int,
                 scale_factor: int = 2,
                 kernel_size: Optional[int] = None,
                 bias: bool = True) -> nn.ConvTranspose2d:
    """A transposed conv that upsamples exactly ``scale_factor`` times.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        scale_factor (int): Upsampling factor (the stride). Default: 2.
        kernel_size (int, optional): Kernel size; None means
            ``scale_factor``. Default: None.
        bias (bool): Whether the conv has a bias. Default: True.
    """
    kernel_size = scale_factor if kernel_size is None else kernel_size
    padding, output_padding = deconv_padding(scale_factor, kernel_size)
    return nn.ConvTranspose2d(
        in_channels,
        out_channels,
        kernel_size,
        stride=scale_factor,
        padding=padding,
        output_padding=output_padding,
        bias=bias)
