# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .analysis import (build_segmentor, count_params, measure_latency,
                       model_complexity, thesis_complexity)
from .config import (check_data_roots, load_config, resolve_config_path,
                     shutdown_distributed)

__all__ = [
    'build_segmentor', 'check_data_roots', 'count_params', 'load_config',
    'measure_latency', 'model_complexity', 'resolve_config_path',
    'shutdown_distributed', 'thesis_complexity'
]
