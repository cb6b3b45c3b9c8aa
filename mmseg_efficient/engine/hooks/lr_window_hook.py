# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""A learning-rate multiplier window: part of a model trains at ``lr_mult``
times the scheduled lr for the first iterations (ESSNet thesis §3.5.1,
phase 2: encoder at lr 5e-20, decoder at 5e-4, then one lr)."""
from typing import Dict, List, Optional, Sequence, Union

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop
from mmseg.registry import HOOKS


@HOOKS.register_module()
class LrMultiplierWindowHook(Hook):
    """Scale the lr of the parameters under ``prefix`` by ``lr_mult`` for the
    first ``end`` iterations (or epochs), then train them at the normal lr.

    How it works: before every training iteration inside the window the
    lr of each optimizer param group that belongs to ``prefix`` is saved and
    multiplied by ``lr_mult``; right after the optimizer step
    (``after_train_iter``, before any other hook) the saved lr is put back.
    Between iterations the optimizer therefore always holds the *scheduled*
    lr, so

    - mmengine's param schedulers (``ParamSchedulerHook``, priority LOW)
      and ``ReduceOnPlateauParamScheduler`` (stepped in ``after_val_epoch``
      with the val mIoU) act on the real lrs of all groups: when the
      window ends, the encoder trains at exactly the lr the decoder has
      then (e.g. 5e-4 halved by every plateau so far);
    - checkpoints hold the real lrs, and because the window is a pure
      function of the iteration, ``--resume`` inside or after the window
      continues exactly.

    With its priority HIGHEST the hook runs before ``RuntimeInfoHook``, so
    the logged ``lr`` (that of param group 0, the first backbone parameter
    when ``prefix='backbone'``) shows the frozen value while ``base_lr``
    shows the schedule.

    The optimizer must give the ``prefix`` parameters their own param
    groups: any ``optim_wrapper.paramwise_cfg`` makes mmengine's default
    constructor create one group per parameter, e.g.
    ``paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0)})``.
    Only the lr is scaled: BN running statistics of the "frozen" part still
    update (as in the thesis, which only lowers the lr).

    Args:
        end (int): Number of iterations (or epochs) with the scaled lr.
        prefix (str | Sequence[str]): Parameter name prefix(es) as in
            ``model.named_parameters()``. Default: 'backbone'.
        lr_mult (float): The lr multiplier inside the window; the thesis'
            5e-20 over 5e-4 is 1e-16. Default: 1e-16.
        by_epoch (bool): Count ``end`` in epochs of an epoch-based train
            loop (refused in an iteration-based loop, whose single "epoch"
            would keep the window open for the whole run). Default: False.
    """

    priority = 'HIGHEST'

    def __init__(self,
                 end: int,
                 prefix: Union[str, Sequence[str]] = 'backbone',
                 lr_mult: float = 1e-16,
                 by_epoch: bool = False) -> None:
        if isinstance(end, bool) or not isinstance(end, int) or end < 0:
            raise ValueError(
                f'LrMultiplierWindowHook: end must be a non-negative int, got {end!r}')
        if not 0.0 <= float(lr_mult) <= 1.0:
            raise ValueError(
                f'LrMultiplierWindowHook: lr_mult must be in [0, 1], got {lr_mult!r}')
        prefixes = (prefix, ) if isinstance(prefix, str) else tuple(prefix)
        if not prefixes or not all(isinstance(p, str) and p for p in prefixes):
            raise ValueError(f'LrMultiplierWindowHook: prefix must be a non-empty '
                             f'string or list of strings, got {prefix!r}')
        self.end = end
        self.prefixes = prefixes
        self.lr_mult = float(lr_mult)
        self.by_epoch = by_epoch
        self._groups: Optional[List[dict]] = None
        self._saved: Dict[int, float] = {}

    def _matches(self, name: str) -> bool:
        return any(name == p or name.startswith(p + '.')
                   for p in self.prefixes)

    def _frozen_groups(self, runner) -> List[dict]:
        """The optimizer param groups whose parameters all match."""
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        matching = {
            id(p)
            for n, p in model.named_parameters() if self._matches(n)
        }
        if not matching:
            raise RuntimeError(f'LrMultiplierWindowHook: no parameter of the model '
                               f'starts with {self.prefixes}')
        optim_wrapper = runner.optim_wrapper
        if hasattr(optim_wrapper, 'optim_wrappers'):  # OptimWrapperDict
            wrappers = list(optim_wrapper.optim_wrappers.values())
        else:
            wrappers = [optim_wrapper]
        groups, covered = [], set()
        for wrapper in wrappers:
            for i, group in enumerate(wrapper.optimizer.param_groups):
                ids = {id(p) for p in group['params']}
                hit = ids & matching
                if not hit:
                    continue
                if hit != ids:
                    raise RuntimeError(
                        f'LrMultiplierWindowHook: optimizer param group {i} mixes '
                        f'parameters inside and outside {self.prefixes}, so '
                        'their lrs cannot differ. Give them their own groups, '
                        "e.g. optim_wrapper.paramwise_cfg=dict(custom_keys="
                        f"{{'{self.prefixes[0]}': dict(lr_mult=1.0)}}).")
                groups.append(group)
                covered |= hit
        if covered != matching:
            runner.logger.warning(
                f'LrMultiplierWindowHook: {len(matching - covered)} parameters under '
                f'{self.prefixes} are in no optimizer param group.')
        return groups

    def _in_window(self, runner) -> bool:
        return (runner.epoch if self.by_epoch else runner.iter) < self.end

    def before_train(self, runner) -> None:
        if self.by_epoch and not isinstance(runner.train_loop,
                                            EpochBasedTrainLoop):
            raise ValueError(
                'LrMultiplierWindowHook(by_epoch=True) needs an epoch-based '
                f'train loop, got {type(runner.train_loop).__name__}: the '
                'window would never close. Use by_epoch=False with end in '
                'iterations.')
        self._groups = self._frozen_groups(runner)
        unit = 'epochs' if self.by_epoch else 'iterations'
        runner.logger.info(
            f'LrMultiplierWindowHook: {len(self._groups)} param groups under '
            f'{self.prefixes} train at lr x {self.lr_mult:g} for the first '
            f'{self.end} {unit}.')
        max_steps = getattr(runner, 'max_epochs' if self.by_epoch else
                            'max_iters', None)
        if max_steps is not None and self.end >= max_steps:
            runner.logger.warning(
                f'LrMultiplierWindowHook: end={self.end} is not before the '
                f'end of training ({max_steps} {unit}): the parameters under '
                f'{self.prefixes} train at lr x {self.lr_mult:g} for the '
                'whole run. Shorten the window with --cfg-options '
                'custom_hooks.N.end=M (M < max_iters).')

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        self._saved = {}
        if not self._in_window(runner):
            return
        for group in self._groups:
            self._saved[id(group)] = group['lr']
            group['lr'] = group['lr'] * self.lr_mult

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if not self._saved:
            return
        for group in self._groups:
            if id(group) in self._saved:
                group['lr'] = self._saved[id(group)]
        self._saved = {}
