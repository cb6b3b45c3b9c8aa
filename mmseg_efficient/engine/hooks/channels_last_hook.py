# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Train and evaluate in the channels-last (NHWC) memory format."""
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Put the model's 4-D weights and buffers in the channels-last memory
    format before training (and before a test run).

    PyTorch's CPU (oneDNN) and cuDNN convolutions run in NHWC when the
    weight or the input is channels-last, so the NCHW batches of the data
    preprocessor need no change; the values computed are the same up to
    summation order. On the CPU it speeds up the grouped and depthwise
    convs of the ESSNet family most (``tools/train.py --channels-last``;
    ``tools/experiments/claims.py`` measures it).

    Checkpoints are unaffected: ``state_dict`` tensors keep their shapes,
    and loading copies values whatever the memory format.
    """

    priority = 'VERY_HIGH'

    @staticmethod
    def _convert(runner):
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        model.to(memory_format=torch.channels_last)

    def before_train(self, runner) -> None:
        self._convert(runner)

    def before_test(self, runner) -> None:
        self._convert(runner)
