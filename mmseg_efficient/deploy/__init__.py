# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Deployment: BN folding, grouped convs, ONNX export, onnxruntime."""
from .fuse import (DROPOUT_TYPES, PERMUTATION_TYPES, PixelShuffleDeconv,
                   StaticAdaptiveAvgPool2d, deconv_to_pixel_shuffle,
                   fold_batchnorm, interp_conv_first, prepare_for_deploy,
                   remove_training_only, static_adaptive_pool)
from .inference import (BACKENDS, ORTSegmentor, add_model_arguments,
                        check_model_arguments, config_dataset_meta,
                        init_backend_model)
from .runtime import (ORT_OPT_LEVELS, EquivalenceError, TensorForward,
                      check_equivalence, export_onnx, ort_session, require,
                      replace_atomically, run_session, torch_outputs)

__all__ = [
    'BACKENDS', 'ORTSegmentor', 'add_model_arguments',
    'check_model_arguments', 'config_dataset_meta', 'init_backend_model',
    'DROPOUT_TYPES', 'EquivalenceError', 'ORT_OPT_LEVELS',
    'PERMUTATION_TYPES', 'PixelShuffleDeconv', 'StaticAdaptiveAvgPool2d',
    'TensorForward', 'static_adaptive_pool',
    'deconv_to_pixel_shuffle', 'interp_conv_first', 'check_equivalence',
    'export_onnx',
    'fold_batchnorm', 'ort_session', 'prepare_for_deploy',
    'remove_training_only', 'replace_atomically', 'require', 'run_session',
    'torch_outputs'
]
