# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""mmengine's ``Pretrained`` init with an optional strict key check."""
from mmengine.logging import print_log
from mmengine.model.weight_init import PretrainedInit, update_init_info

from mmseg.registry import WEIGHT_INITIALIZERS

from .checkpoint_loading import load_checkpoint_strict


@WEIGHT_INITIALIZERS.register_module(name='Pretrained')
class StrictPretrainedInit(PretrainedInit):
    """``init_cfg=dict(type='Pretrained', ...)`` that can refuse a checkpoint
    which does not fit.

    mmengine's :class:`~mmengine.model.PretrainedInit` loads with
    ``strict=False``: a checkpoint of another model only logs "missing keys"
    / "unexpected key" warnings and training goes on from a partly random
    encoder. With ``strict=True`` every key of the module must come from the
    checkpoint (the keys under ``prefix``, prefix removed) and nothing else
    may be there, shapes included; otherwise
    :class:`~.checkpoint_loading.CheckpointMismatchError` names the keys
    (through :func:`~.checkpoint_loading.load_checkpoint_strict`, the
    tools' strict loader too). ``strict=False`` (the default) is mmengine's
    behaviour unchanged.

    Registered as ``'Pretrained'`` in mmseg's ``WEIGHT_INITIALIZERS`` (a
    child of mmengine's), so it serves configs with ``default_scope='mmseg'``
    while the name stays ``'Pretrained'``: mmengine's ``BaseModule`` applies
    an init named ``'Pretrained'`` after the children's own initialisation;
    under another name the children would overwrite the loaded weights.

    Args:
        checkpoint (str): The checkpoint file; ``<work_dir>/last_checkpoint``
            means that run's latest checkpoint.
        prefix (str, optional): Load the checkpoint's keys that start with
            it, prefix removed, e.g. ``'backbone.'``. Default: None.
        map_location (str): As for :func:`torch.load`. Default: 'cpu'.
        strict (bool): Refuse a checkpoint that does not fit the module
            exactly. Default: False.
    """

    def __init__(self, checkpoint, prefix=None, map_location='cpu',
                 strict: bool = False):
        super().__init__(checkpoint, prefix=prefix, map_location=map_location)
        self.strict = strict

    def __call__(self, module):
        from .stage_checkpoint_paths import resolve_latest_checkpoint

        # <work_dir>/last_checkpoint: that run's latest checkpoint
        self.checkpoint = resolve_latest_checkpoint(
            self.checkpoint, 'init_cfg.checkpoint')
        if not self.strict:
            return super().__call__(module)
        what = f'load {self.prefix} in model' if self.prefix else \
            'load model'
        print_log(f'{what} from: {self.checkpoint} (strict)',
                  logger='current')
        load_checkpoint_strict(
            module,
            self.checkpoint,
            map_location=self.map_location,
            prefix=self.prefix,
            partial_hint="set init_cfg.strict=False (mmengine's Pretrained "
            'init: what fits is loaded, the rest only logged)')
        if hasattr(module, '_params_init_info'):
            update_init_info(module, init_info=self._get_init_info())

    def _get_init_info(self):
        # mmengine's wording, whatever the class is called here
        info = f'PretrainedInit: load from {self.checkpoint}'
        return info + (' (strict)' if self.strict else '')
