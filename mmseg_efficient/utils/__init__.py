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

__all__ = [
    'CfgOptionsAction', 'CheckpointMismatchError', 'CheckpointSaveError',
    'NotACheckpointError', 'ResumeError', 'atomic_torch_save',
    'build_segmentor', 'check_checkpoint_file', 'check_data_roots',
    'check_resume_checkpoint_fits', 'config_complexity', 'count_params',
    'find_resume_checkpoint', 'install_atomic_checkpoint_saving',
    'list_checkpoints', 'load_config', 'load_checkpoint_strict',
    'measure_latency', 'model_complexity', 'remove_stale_temporaries',
    'resolve_config_path', 'shutdown_distributed', 'thesis_complexity',
    'warn_existing_checkpoints'
]
