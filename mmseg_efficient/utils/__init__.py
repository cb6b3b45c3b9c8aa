# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .analysis import (build_segmentor, count_params, measure_latency,
                       model_complexity, thesis_complexity)
from .checkpoint import (CheckpointMismatchError, NotACheckpointError,
                         ResumeError, atomic_torch_save,
                         check_checkpoint_file, find_resume_checkpoint,
                         install_atomic_checkpoint_saving, list_checkpoints,
                         load_checkpoint_strict, warn_existing_checkpoints)
from .config import (check_data_roots, load_config, resolve_config_path,
                     shutdown_distributed)
from .visualization import add_legend

__all__ = [
    'CheckpointMismatchError', 'NotACheckpointError', 'ResumeError',
    'add_legend', 'atomic_torch_save', 'build_segmentor', 'check_checkpoint_file',
    'check_data_roots', 'count_params', 'find_resume_checkpoint',
    'install_atomic_checkpoint_saving', 'list_checkpoints', 'load_config',
    'load_checkpoint_strict', 'measure_latency', 'model_complexity',
    'resolve_config_path', 'shutdown_distributed', 'thesis_complexity',
    'warn_existing_checkpoints'
]
