# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""``custom_keys`` that scale the other ``paramwise_cfg`` rules instead of
replacing them."""
from typing import List, Optional

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor

from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MultiplicativeCustomKeysConstructor(DefaultOptimWrapperConstructor):
    """mmengine's default constructor, except that a ``custom_keys`` entry
    multiplies the learning rate and weight decay the other rules give a
    parameter.

    In mmengine's constructor a parameter whose name contains a custom key
    takes that key's ``lr_mult`` / ``decay_mult`` *instead of*
    ``norm_decay_mult``, ``bias_decay_mult``, ``dwconv_decay_mult``...: with
    ``paramwise_cfg=dict(norm_decay_mult=0, custom_keys={'backbone':
    dict(lr_mult=0.25, decay_mult=0.25)})`` the backbone's norm layers get
    ``0.25 * weight_decay`` instead of none. Here they get
    ``0 * 0.25 * weight_decay``: the family's rules first, then the key's
    multipliers (the ESSNet thesis' pre-trained encoder: lr and weight decay
    4x smaller than the rest, §4.2). Keys are matched as mmengine does
    (substring of the parameter name, longest key first); without custom
    keys or other rules both constructors give the same groups.
    """

    def add_params(self,
                   params: List[dict],
                   module: nn.Module,
                   prefix: str = '',
                   is_dcn_module: Optional[int] = None) -> None:
        custom = self.paramwise_cfg.get('custom_keys', {})
        if prefix or not custom:  # recursive calls: mmengine's rules only
            return super().add_params(params, module, prefix, is_dcn_module)
        self.paramwise_cfg = {
            k: v
            for k, v in self.paramwise_cfg.items() if k != 'custom_keys'
        }
        try:
            first = len(params)
            super().add_params(params, module, prefix, is_dcn_module)
        finally:
            self.paramwise_cfg['custom_keys'] = custom
        names = {id(p): n for n, p in module.named_parameters()}
        keys = sorted(sorted(custom), key=len, reverse=True)
        for group in params[first:]:
            name = names[id(group['params'][0])]
            key = next((k for k in keys if k in name), None)
            if key is None:
                continue
            mults = custom[key]
            group['lr'] = group.get('lr', self.base_lr) * mults.get(
                'lr_mult', 1.)
            if self.base_wd is not None:
                group['weight_decay'] = group.get(
                    'weight_decay', self.base_wd) * mults.get(
                        'decay_mult', 1.)
