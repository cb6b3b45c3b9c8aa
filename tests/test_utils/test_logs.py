# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Quiet, readable logs: upstream warnings filtered by message, progress on
the first screen, short runs still log, progress readable in a file."""
import io
import logging
import warnings

from mmengine.config import Config

from mmseg_efficient.utils import (console_shows_progress_first,
                                   filter_upstream_warnings,
                                   fit_log_interval, progress_bar)


def test_upstream_warnings_are_filtered_by_message():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        filter_upstream_warnings()
        warnings.warn('``build_loss`` would be deprecated soon, please use '
                      '``mmseg.registry.MODELS.build()``')
        warnings.warn('Default ``avg_non_ignore`` is False, if you would ...')
        warnings.warn('something else')
    assert [str(w.message) for w in caught] == ['something else']


def test_short_run_logs_at_its_end():
    cfg = Config(dict(train_cfg=dict(max_iters=20),
                      default_hooks=dict(logger=dict(interval=50))))
    fit_log_interval(cfg)
    assert cfg.default_hooks.logger.interval == 20
    cfg = Config(dict(train_cfg=dict(max_iters=600),
                      default_hooks=dict(logger=dict(interval=50))))
    fit_log_interval(cfg)
    assert cfg.default_hooks.logger.interval == 50


def test_progress_in_a_file_is_lines_not_carriage_returns():
    out = io.StringIO()  # not a TTY
    bar = progress_bar(20, 'images counted', file=out)
    for _ in range(20):
        bar.update()
    text = out.getvalue()
    assert '\r' not in text
    lines = text.splitlines()
    assert lines[0] == '2/20 images counted (10%)'
    assert lines[-1] == '20/20 images counted (100%)'
    assert len(lines) == 10


def test_console_gets_progress_first_and_the_file_everything(tmp_path):
    log_file = tmp_path / 'run.log'

    class FakeRunner:
        def build_logger(self):
            logger = logging.getLogger('fake_runner_logs_test')
            logger.handlers = []
            logger.propagate = False
            self.console = io.StringIO()
            logger.addHandler(logging.StreamHandler(self.console))
            logger.addHandler(logging.FileHandler(log_file))
            logger.setLevel(logging.INFO)
            return logger

    console_shows_progress_first(FakeRunner)
    console_shows_progress_first(FakeRunner)  # idempotent
    runner = FakeRunner()
    logger = runner.build_logger()
    logger.info('\n' + '-' * 60 + '\nSystem environment:\n   ...')
    logger.info('Config:\nmodel = dict(...)')
    logger.info('paramwise_options -- backbone.conv.weight:lr=0.0005')
    logger.warning('"FileClient" will be deprecated in future. Please ...')
    logger.info('Iter(train) [1/3]  lr: 1e-3')
    console = runner.console.getvalue().splitlines()
    assert console == [
        '(environment, config, per-parameter optimizer options and hook '
        f'order: in {log_file})',
        'Iter(train) [1/3]  lr: 1e-3'
    ]
    text = log_file.read_text()
    assert 'System environment' in text and 'Config:' in text
    assert 'Iter(train)' in text and 'FileClient' in text
    assert 'paramwise_options' in text
