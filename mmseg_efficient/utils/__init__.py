# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .analysis import (build_segmentor, config_complexity, count_params,
                       measure_latency, model_complexity, thesis_complexity)
from .checkpoint import (CheckpointMismatchError, CheckpointSaveError,
                         NotACheckpointError, ResumeError, atomic_torch_save,
                         check_checkpoint_file, check_resume_checkpoint_fits,
                         find_resume_checkpoint,
                         install_atomic_checkpoint_saving, list_checkpoints,
                         load_checkpoint_strict, remove_stale_temporaries,
                         warn_existing_checkpoints)
from .config import (CfgOptionsAction, check_data_roots, load_config,
                     resolve_config_path, shutdown_distributed)
from .machine import ISA_LEVELS, cpu_info, cpu_summary
from .logs import (console_shows_progress_first, filter_upstream_warnings,
                   fit_log_interval, progress_bar)
from .stage_checkpoints import (OfflineWeightsError, StageCheckpointError,
                                check_start_checkpoints,
                                resolve_latest_checkpoint)
from .threads import available_cores, setup_cpu_threads
from .visualization import add_legend

__all__ = [
    'CfgOptionsAction', 'CheckpointMismatchError', 'CheckpointSaveError',
    'ISA_LEVELS', 'NotACheckpointError', 'OfflineWeightsError', 'ResumeError',
    'StageCheckpointError', 'add_legend', 'atomic_torch_save', 'available_cores',
    'build_segmentor', 'check_checkpoint_file', 'check_data_roots',
    'check_resume_checkpoint_fits', 'check_start_checkpoints',
    'config_complexity', 'console_shows_progress_first', 'count_params',
    'cpu_info', 'cpu_summary',
    'filter_upstream_warnings', 'find_resume_checkpoint', 'fit_log_interval',
    'install_atomic_checkpoint_saving', 'list_checkpoints', 'load_config',
    'load_checkpoint_strict', 'measure_latency', 'model_complexity',
    'progress_bar', 'remove_stale_temporaries', 'resolve_latest_checkpoint',
    'setup_cpu_threads',
    'resolve_config_path', 'shutdown_distributed', 'thesis_complexity',
    'warn_existing_checkpoints'
]
