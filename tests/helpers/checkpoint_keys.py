# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The one encoder key check of the tests: which state-dict keys (and
shapes) a model has under a prefix, e.g. the ``backbone.`` part a phase-1
segmentor or an ImageNet classifier provides to a segmentor's
``init_cfg=dict(type='Pretrained', prefix='backbone.')``."""
import copy

from mmengine.model import revert_sync_batchnorm
from mmengine.registry import MODELS, init_default_scope


def prefixed_shapes(model_cfg, prefix='backbone.', scope='mmseg') -> dict:
    """``{key without prefix: shape}`` of the model built from
    ``model_cfg`` (in registry scope ``scope``), keys under ``prefix``
    only."""
    init_default_scope(scope)
    model = revert_sync_batchnorm(MODELS.build(copy.deepcopy(model_cfg)))
    return {
        k[len(prefix):]: tuple(v.shape)
        for k, v in model.state_dict().items() if k.startswith(prefix)
    }


def prefixed_tensors(state_dict, prefix='backbone.') -> dict:
    """The tensors of ``state_dict`` under ``prefix``, prefix removed."""
    return {
        k[len(prefix):]: v
        for k, v in state_dict.items() if k.startswith(prefix)
    }
