# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Polynomial decay with warm restarts (SGDR's restarts, poly's shape).

mmengine has cosine annealing with restarts (``CosineRestartLR``) and a
chained ``PolyLR`` that cannot restart (a second ``PolyLR`` continues from
the decayed value). The CV3315 report trains SegFormer with
``lr = lr0 * (1 - i / T_i) ** power`` restarted every ``T_i`` iterations;
this is mmengine's ``CosineRestartParamScheduler`` (periods, restart
weights, ``eta_min``/``eta_min_ratio``, resume) with the poly curve.
"""
from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import \
    CosineRestartParamScheduler
from mmengine.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class PolyRestartParamScheduler(CosineRestartParamScheduler):
    """Poly decay restarted at the start of every period.

    In period ``k`` (length ``T_k``, restart weight ``w_k``), at step ``s``
    of the period: ``v = eta_min + (w_k * v0 - eta_min) * (1 - s / T_k) **
    power`` with ``v0`` the group's initial value (so ``lr_mult`` groups keep
    their ratio). After the last period the value is left unchanged.

    Args:
        optimizer (Optimizer or BaseOptimWrapper): The wrapped optimizer.
        param_name (str): Parameter to schedule, e.g. ``lr``.
        periods (list[int]): Length ``T_k`` of each period.
        restart_weights (Sequence[float]): ``w_k`` of each period.
            Default: (1, ).
        power (float): The power of the polynomial. Default: 1.0.
        eta_min (float, optional): Final value. Default: None.
        eta_min_ratio (float, optional): Final value as a ratio of ``v0``;
            exactly one of ``eta_min`` / ``eta_min_ratio``. Default: None.
        **kwargs: ``begin``, ``end``, ``last_step``, ``by_epoch``,
            ``verbose`` of mmengine's schedulers.
    """

    def __init__(self, optimizer, param_name, periods, power=1.0, **kwargs):
        if power < 0:
            raise ValueError(f'power must be >= 0, got {power}')
        if not periods or any(int(p) < 1 for p in periods):
            raise ValueError(f'periods must be positive ints, got {periods}')
        self.power = power
        super().__init__(optimizer, param_name, periods=periods, **kwargs)

    def _get_value(self):
        idx = self.get_position_from_periods(self.last_step,
                                             self.cumulative_periods)
        if idx is None:
            return [g[self.param_name] for g in self.optimizer.param_groups]
        start = 0 if idx == 0 else self.cumulative_periods[idx - 1]
        period = self.periods[idx]
        step = self.last_step - start
        values = []
        for base, group in zip(self.base_values, self.optimizer.param_groups):
            eta_min = (base * self.eta_min_ratio
                       if self.eta_min_ratio is not None else self.eta_min)
            eta_max = base * self.restart_weights[idx]
            # closed form: stays exact whatever else touched the value
            values.append(eta_min + (eta_max - eta_min) *
                          (1 - step / period)**self.power)
        return values


@PARAM_SCHEDULERS.register_module()
class PolyRestartLR(LRSchedulerMixin, PolyRestartParamScheduler):
    """:class:`PolyRestartParamScheduler` for the learning rate."""
