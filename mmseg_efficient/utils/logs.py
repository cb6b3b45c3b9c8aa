# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Quiet, readable logs for the tools.

* :func:`filter_upstream_warnings` (on ``import mmseg_efficient``): the
  upstream warnings that every run prints and no config can avoid are
  filtered once, by message.
* :func:`console_shows_progress_first`: mmengine prints the environment, the
  whole config, the hook order and, with a ``paramwise_cfg``, one line per
  parameter and setting (500 to 1000 lines) to the terminal before
  the first iteration; they stay in the log file, the terminal gets one line
  saying where (and not :data:`UPSTREAM_LOG_WARNINGS`).
* :func:`fit_log_interval`: a run shorter than its logger interval still
  logs its training lines.
* :func:`progress_bar`: mmengine's ``\\r`` bar on a terminal; in a file or a
  pipe, a line every 10 %.
"""
import logging
import sys
import warnings

from mmengine.logging import print_log

__all__ = [
    'UPSTREAM_LOG_WARNINGS', 'UPSTREAM_WARNINGS',
    'console_shows_progress_first',
    'filter_upstream_warnings', 'fit_log_interval', 'progress_bar'
]

#: Messages (regular expressions matched at the start) of upstream
#: UserWarnings printed on every run, which nothing in a config can avoid.
UPSTREAM_WARNINGS = (
    # mmseg 1.2.2's own decode heads build their losses through its
    # deprecated mmseg.models.builder.build_loss
    r'``build_loss`` would be deprecated soon',
    # mmseg's CrossEntropyLoss repeats on every construction that its
    # default avg_non_ignore=False averages over ignored pixels too (the
    # configs set it where it matters)
    r'Default ``avg_non_ignore`` is False',
    # mmseg's SegVisualizationHook warns whenever it does not draw, which is
    # every training run (tools/test.py --show-dir turns drawing on)
    r'The draw is False, it means that the hook for visualization',
    # mmcv's HSigmoid (MobileNetV3 blocks: EfficientSeg) on every build,
    # about a default that changed in mmcv 1.4.4
    r'In MMCV v1.4.4, we modified the default value of args',
)

# mmengine's long console records, by how they start
_LONG_RECORDS = ('\n' + '-' * 60 + '\nSystem environment', 'Config:\n',
                 'Hooks will be executed in the following order',
                 # one line per parameter and setting with a paramwise_cfg
                 'paramwise_options -- ')
#: Upstream logger warnings of every run, kept out of the terminal (the log
#: file keeps them): mmseg 1.2.2 still reads files through mmengine's
#: deprecated FileClient / HardDiskBackend, and its IoUMetric has no prefix.
UPSTREAM_LOG_WARNINGS = ('"FileClient" will be deprecated in future',
                         '"HardDiskBackend" is the alias of "LocalBackend"',
                         'The prefix is not set in metric class IoUMetric')


def filter_upstream_warnings() -> None:
    """Ignore :data:`UPSTREAM_WARNINGS` (once per process)."""
    for message in UPSTREAM_WARNINGS:
        warnings.filterwarnings('ignore', message=message,
                                category=UserWarning)


class _LongRecordFilter(logging.Filter):
    """Drops mmengine's environment / config / hook-order records from a
    console handler, saying once where they are."""

    def __init__(self, handler, logger):
        super().__init__()
        self.handler = handler
        self.logger = logger
        self.said = False

    def filter(self, record):
        message = str(record.msg)
        if message.startswith(UPSTREAM_LOG_WARNINGS):
            return False
        if not message.startswith(_LONG_RECORDS):
            return True
        if not self.said:
            self.said = True
            files = [
                h.baseFilename for h in self.logger.handlers
                if isinstance(h, logging.FileHandler)
            ]
            where = files[0] if files else 'the log file'
            self.handler.stream.write(
                f'(environment, config, per-parameter optimizer options and '
                f'hook order: in {where})\n')
        return False


def console_shows_progress_first(runner_cls=None) -> None:
    """Make every Runner built afterwards keep mmengine's environment,
    config and hook-order dumps out of the terminal (they stay in the log
    file), so that training progress starts on the first screen.

    Args:
        runner_cls (type, optional): The Runner class; default mmengine's.
    """
    if runner_cls is None:
        from mmengine.runner import Runner as runner_cls
    original = runner_cls.build_logger
    if getattr(original, '_mmseg_efficient_quiet', False):
        return

    def build_logger(self, *args, **kwargs):
        logger = original(self, *args, **kwargs)
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler and not any(
                    isinstance(f, _LongRecordFilter)
                    for f in handler.filters):
                handler.addFilter(_LongRecordFilter(handler, logger))
        return logger

    build_logger._mmseg_efficient_quiet = True
    runner_cls.build_logger = build_logger


def fit_log_interval(cfg, logger='current') -> None:
    """Lower ``default_hooks.logger.interval`` to ``train_cfg.max_iters``
    when the run is shorter (mmengine would log no training line)."""
    hook = cfg.get('default_hooks', {}).get('logger')
    max_iters = cfg.get('train_cfg', {}).get('max_iters')
    if not hook or not max_iters or hook.get('interval', 10) <= max_iters:
        return
    print_log(
        f'default_hooks.logger.interval {hook.get("interval", 10)} -> '
        f'{max_iters}: the run is shorter than the log interval',
        logger=logger)
    hook['interval'] = max_iters


class _LineProgress:
    """A progress report for logs: one line each ``step`` of ``total``."""

    def __init__(self, total, file, what='done'):
        self.total, self.file, self.what = total, file, what
        self.done = 0
        self.step = max(1, total // 10)

    def update(self, n=1):
        self.done += n
        if self.done % self.step == 0 or self.done == self.total:
            self.file.write(f'{self.done}/{self.total} {self.what} '
                            f'({100 * self.done // self.total}%)\n')
            self.file.flush()


def progress_bar(total: int, what: str = 'done', file=None):
    """mmengine's ``ProgressBar`` on a terminal; elsewhere (a log file, a
    pipe) an object with the same ``update()`` that prints a line every
    10 %."""
    file = sys.stdout if file is None else file
    if getattr(file, 'isatty', lambda: False)():
        from mmengine.utils import ProgressBar
        return ProgressBar(total, file=file)
    return _LineProgress(total, file, what)
