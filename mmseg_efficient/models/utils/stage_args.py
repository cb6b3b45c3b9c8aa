# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Per-stage argument helpers for backbones and decoders."""
from typing import Sequence


def per_stage(value, num_stages: int, name: str) -> tuple:
    """Broadcast a scalar to ``num_stages`` entries or check a sequence's
    length.

    Args:
        value: A scalar, or a list/tuple with one entry per stage.
        num_stages (int): Number of stages.
        name (str): Argument name, used in the error message.

    Returns:
        tuple: ``num_stages`` entries.

    Raises:
        ValueError: A sequence whose length is not ``num_stages``, naming
            ``name``.
    """
    if isinstance(value, (list, tuple)):
        if len(value) != num_stages:
            raise ValueError(f'{name} needs one entry per stage '
                             f'({num_stages}), got {value!r}')
        return tuple(value)
    return (value, ) * num_stages


def check_out_indices(out_indices: Sequence[int], num_outs: int) -> tuple:
    """Check backbone output indices (negative ones count from the end).

    Args:
        out_indices (Sequence[int]): Requested output indices.
        num_outs (int): Number of outputs the backbone can return.

    Returns:
        tuple[int]: The indices, made non-negative.

    Raises:
        ValueError: An index out of range, naming ``out_indices``.
    """
    out_indices = tuple(out_indices)
    for index in out_indices:
        if not -num_outs <= index < num_outs:
            raise ValueError(f'out_indices {out_indices!r} out of range for '
                             f'{num_outs} stage outputs')
    return tuple(i % num_outs for i in out_indices)
