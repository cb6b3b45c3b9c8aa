# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The alpha schedule of gradual grouping (ESSNet thesis §3.5.1)."""
import math
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from ...models.layers.maskable_conv import get_masked_convs

SHAPES = ('linear', 'cosine', 'step')


@HOOKS.register_module()
class GradualGroupingHook(Hook):
    """Lower ``alpha`` of the maskable convs from 1 to 0 during training.

    Every :class:`~mmseg_efficient.models.layers.MaskedGroupConv2d` of the
    model (or those whose qualified module name matches ``name_pattern``)
    gets ``alpha = alpha_at(step)``, where ``step`` is the current iteration
    (``by_epoch=False``) or epoch (``by_epoch=True``)::

        alpha = 1         step <= begin
        alpha = shape(t)  begin < step < end, t = (step-begin) / (end-begin)
        alpha = 0         step >= end (fine-tuning at alpha = 0)

    with ``linear``: ``1 - t``; ``cosine``: ``(1 + cos(pi t)) / 2``;
    ``step``: ``1 - floor(t * num_steps) / num_steps`` (``num_steps`` equal
    drops, the last one at ``end``).

    ``alpha`` is a pure function of the step, so it is the same on every
    rank of a distributed run and is restored exactly on ``--resume`` (the
    hook sets it again in ``before_train`` from the resumed iteration/epoch;
    the value is also in the checkpoint as a buffer). It is set before every
    training iteration (in an iteration-based loop ``before_train_epoch``
    fires only once), and logged as ``train/alpha`` to the message hub, so
    ``LoggerHook`` prints it and the visualizer backends record it.

    Args:
        end (int): Iteration (or epoch) from which ``alpha = 0``.
        begin (int): Iteration (or epoch) at which ``alpha`` starts to fall
            from 1. Default: 0.
        by_epoch (bool): Schedule over epochs of an epoch-based loop instead
            of iterations. Default: False.
        shape (str): 'linear', 'cosine' or 'step'. Default: 'linear'.
        num_steps (int): Number of drops of the 'step' shape. Default: 4.
        name_pattern (str, optional): Regular expression (``re.search``) on
            qualified module names (as in ``model.named_modules()``, e.g.
            ``'^backbone\\.'``); only matching maskable convs are scheduled.
            Default: None (all).
        log (bool): Log ``train/alpha`` to the message hub. Default: True.
    """

    priority = 'NORMAL'

    def __init__(self,
                 end: int,
                 begin: int = 0,
                 by_epoch: bool = False,
                 shape: str = 'linear',
                 num_steps: int = 4,
                 name_pattern: Optional[str] = None,
                 log: bool = True) -> None:
        for key, value in (('begin', begin), ('end', end)):
            if isinstance(value, bool) or not isinstance(value, int) or \
                    value < 0:
                raise ValueError(f'GradualGroupingHook: {key} must be a '
                                 f'non-negative int, got {value!r}')
        if begin >= end:
            raise ValueError(f'GradualGroupingHook: begin ({begin}) must be '
                             f'smaller than end ({end})')
        if shape not in SHAPES:
            raise ValueError(f'GradualGroupingHook: unknown shape {shape!r}; '
                             f'expected one of {SHAPES}')
        if shape == 'step' and (isinstance(num_steps, bool)
                                or not isinstance(num_steps, int)
                                or num_steps < 1):
            raise ValueError(f'GradualGroupingHook: num_steps must be a '
                             f'positive int, got {num_steps!r}')
        self.begin = begin
        self.end = end
        self.by_epoch = by_epoch
        self.shape = shape
        self.num_steps = num_steps
        self.name_pattern = name_pattern
        self.log = log
        self._convs: Sequence = []
        self._alpha: Optional[float] = None

    # ------------------------------------------------------------------
    def alpha_at(self, step: float) -> float:
        """The scheduled ``alpha`` at an iteration (or epoch) ``step``."""
        if step <= self.begin:
            return 1.0
        if step >= self.end:
            return 0.0
        t = (step - self.begin) / (self.end - self.begin)
        if self.shape == 'linear':
            return 1.0 - t
        if self.shape == 'cosine':
            return 0.5 * (1.0 + math.cos(math.pi * t))
        return 1.0 - math.floor(t * self.num_steps) / self.num_steps

    def _step(self, runner) -> int:
        return runner.epoch if self.by_epoch else runner.iter

    def _collect(self, runner) -> None:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        self._convs = get_masked_convs(model, self.name_pattern)
        if not self._convs:
            where = (f' matching name_pattern={self.name_pattern!r}'
                     if self.name_pattern else '')
            raise RuntimeError(
                f'GradualGroupingHook: the model has no MaskedGroupConv2d'
                f'{where}. Build its grouped convs with '
                "conv_cfg/pw_conv_cfg=dict(type='MaskedGroupConv2d') (or "
                "dict(type='MaskablePointwiseConv2d', target_groups=g)).")

    def _apply(self, runner, log: bool = True) -> None:
        alpha = self.alpha_at(self._step(runner))
        if alpha != self._alpha:
            for _, conv in self._convs:
                conv.set_alpha(alpha)
            self._alpha = alpha
        if self.log and log:
            runner.message_hub.update_scalar('train/alpha', alpha)

    # ------------------------------------------------------------------
    def before_train(self, runner) -> None:
        """Find the maskable convs and set ``alpha`` for the (possibly
        resumed) current step."""
        from mmengine.runner import EpochBasedTrainLoop
        if self.by_epoch and not isinstance(runner.train_loop,
                                            EpochBasedTrainLoop):
            raise ValueError(
                'GradualGroupingHook(by_epoch=True) needs an epoch-based '
                f'train loop, got {type(runner.train_loop).__name__}; use '
                'by_epoch=False with begin/end in iterations.')
        self._collect(runner)
        self._alpha = None
        self._apply(runner, log=False)
        max_steps = runner.max_epochs if self.by_epoch else runner.max_iters
        unit = 'epoch' if self.by_epoch else 'iteration'
        runner.logger.info(
            f'GradualGroupingHook: {len(self._convs)} maskable convs, '
            f'alpha {self.shape} 1 -> 0 over {unit}s {self.begin}..'
            f'{self.end}, now alpha={self._alpha:g} at {unit} '
            f'{self._step(runner)}')
        if max_steps is not None and self.end >= max_steps:
            runner.logger.warning(
                f'GradualGroupingHook: end={self.end} is not before the end '
                f'of training ({max_steps} {unit}s): the last {unit} trains '
                f'with alpha={self.alpha_at(max_steps - 1):g} > 0 and the '
                'model cannot be converted to grouped convs.')

    def before_train_epoch(self, runner) -> None:
        if self.by_epoch:
            self._apply(runner)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        self._apply(runner)

    def after_train(self, runner) -> None:
        """Warn when training ends before ``alpha`` reached 0."""
        left = [(n, float(c.alpha)) for n, c in self._convs
                if float(c.alpha) > 0]
        if left:
            name, alpha = left[0]
            runner.logger.warning(
                f'GradualGroupingHook: training ended with alpha={alpha:g} '
                f'> 0 in {len(left)} maskable convs (e.g. {name}); the '
                f'schedule ends at {"epoch" if self.by_epoch else "iter"} '
                f'{self.end}. These convs are not grouped yet, so '
                'tools/deploy/convert_grouped.py will refuse the checkpoint.')
