# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Test-only hook and metric for the gradual-grouping Runner tests,
imported by their configs (``custom_imports``) in-process and in the
``tools/train.py`` subprocesses (through ``PYTHONPATH``)."""
import json
import os

from mmengine.dist import get_rank
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS, METRICS
from mmseg_efficient.models.layers import get_masked_convs


@HOOKS.register_module(force=True)
class AlphaRecorderHook(Hook):
    """Writes iter -> alpha of every maskable conv (as seen by the forward)
    and the param-group lrs to ``<work_dir>/record_rank<r>.jsonl``; kills
    its own process at ``kill_at`` (simulated crash)."""
    priority = 'LOW'

    def __init__(self, kill_at=None):
        self.kill_at = kill_at

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self.kill_at is not None and runner.iter == self.kill_at:
            os.kill(os.getpid(), 9)
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        rec = dict(
            iter=runner.iter,
            alphas=[float(m.alpha) for _, m in get_masked_convs(model)],
            lrs=[g['lr'] for g in runner.optim_wrapper.param_groups])
        path = os.path.join(runner.work_dir,
                            f'record_rank{get_rank()}.jsonl')
        with open(path, 'a') as f:
            f.write(json.dumps(rec) + '\n')


@METRICS.register_module(force=True)
class ConstantMIoU(BaseMetric):
    """mIoU that never improves: drives ReduceOnPlateau deterministically."""

    def process(self, data_batch, data_samples):
        self.results.append(0)

    def compute_metrics(self, results):
        return dict(mIoU=50.0)
