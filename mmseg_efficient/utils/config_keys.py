# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""What a nested config dict accepts, for checking ``--cfg-options`` keys.

mmengine merges ``--cfg-options a.b.c=v`` into the config whatever ``c`` is:
a misspelt key is either ignored (``model.test_cfg.mdoe=slide``) or fails
when its object is built or used, possibly at the end of a run
(``default_hooks.checkpoint.intervl=1`` fails at the first save). A key new
to its dict is checked here against what the dict's target accepts:

- a dict with a ``type``: the keyword arguments of that class's
  ``__init__`` (following ``**kwargs`` up its base classes), looked up in
  the registry the config section builds from (``model`` -> MODELS,
  ``default_hooks`` -> HOOKS, ``param_scheduler`` -> PARAM_SCHEDULERS,
  datasets, transforms, samplers, loops, optimizers, metrics...), plus the
  keys the builder itself pops (a hook's ``priority``, a scheduler's
  ``convert_to_iter_based``...);
- ``model...test_cfg`` / ``model...train_cfg``: the keys mmseg's (and this
  package's) models read from them, found in their source;
- ``*_dataloader``: the arguments of torch's ``DataLoader`` plus those
  mmengine's ``Runner.build_dataloader`` pops.

Where the target cannot be known (no ``type``, a class whose ``**kwargs``
go to an unknown place, ``init_cfg`` / ``norm_cfg``-style layer configs)
nothing is checked.
"""
import difflib
import functools
import inspect
import os
import os.path as osp
import re
from typing import List, Optional, Set, Tuple

#: Keys every registry-built dict may hold besides the class's arguments.
_BUILD_KEYS = {'type', '_scope_'}
#: Arguments the builders fill in themselves (left out of the messages).
_DEFAULT_ARGS = {'runner', 'dataloader', 'optimizer', 'params', 'param_name'}
#: Keys a builder pops before calling the class, per registry.
_BUILDER_KEYS = {
    'HOOKS': {'priority'},
    'PARAM_SCHEDULERS': {'convert_to_iter_based'},
    'OPTIM_WRAPPERS': {'constructor', 'paramwise_cfg'},
}
#: Config keys (anywhere in the path) below which nothing is checked:
#: weight initialisers and layer configs are built by helpers that pop and
#: forward keys in their own ways.
_UNCHECKED = {'init_cfg', 'norm_cfg', 'act_cfg', 'conv_cfg', 'dcn_cfg',
              'plugins', 'paramwise_cfg', 'collate_fn', 'worker_init_fn',
              'env_cfg', 'randomness', 'custom_keys'}
#: Keys mmengine's ``Runner.build_dataloader`` pops before ``DataLoader``.
_DATALOADER_KEYS = {'dataset', 'sampler', 'batch_sampler', 'collate_fn',
                    'worker_init_fn', 'num_batch_per_epoch',
                    'disable_subprocess_warning'}
#: What ``CheckpointHook`` passes ``Runner.save_checkpoint`` itself; the
#: rest of that method's arguments are what its ``**kwargs`` may hold.
_CHECKPOINT_HOOK_PASSES = {'self', 'out_dir', 'filename', 'file_client_args',
                           'save_optimizer', 'save_param_scheduler', 'meta',
                           'by_epoch', 'backend_args'}


def _registry_name(parts: List[str]) -> Optional[str]:
    """The registry that builds the dict at ``parts`` (a config path)."""
    names = [p for p in parts if not p.isdigit()]
    top, last = names[0], names[-1]
    if top in ('model', 'tta_model'):
        return 'MODELS'
    if top == 'tta_pipeline' or 'pipeline' in names or 'transforms' in names:
        return 'TRANSFORMS'
    if top.endswith('_dataloader'):
        if last in ('sampler', 'batch_sampler'):
            return 'DATA_SAMPLERS'
        if last in ('dataset', 'datasets'):
            return 'DATASETS'
        return None
    if top in ('default_hooks', 'custom_hooks') and len(names) <= 2:
        return 'HOOKS'
    if top == 'param_scheduler' and len(names) == 1:
        return 'PARAM_SCHEDULERS'
    if top == 'optim_wrapper':
        return {'optim_wrapper': 'OPTIM_WRAPPERS',
                'optimizer': 'OPTIMIZERS'}.get(last) if len(names) <= 2 \
            else None
    if top in ('train_cfg', 'val_cfg', 'test_cfg') and len(names) == 1:
        return 'LOOPS'
    if top in ('val_evaluator', 'test_evaluator') and len(names) == 1:
        return 'METRICS'
    if top == 'visualizer':
        return 'VISUALIZERS' if len(names) == 1 else (
            'VISBACKENDS' if last == 'vis_backends' else None)
    if top == 'vis_backends' and len(names) == 1:
        return 'VISBACKENDS'
    if top == 'log_processor' and len(names) == 1:
        return 'LOG_PROCESSORS'
    return None


def _lookup(registry_name: str, type_, scope: str):
    """The class registered as ``type_`` (or ``type_`` itself)."""
    if inspect.isclass(type_):
        return type_
    if not isinstance(type_, str):
        return None
    import importlib
    try:
        registry = getattr(
            importlib.import_module(f'{scope}.registry'), registry_name)
        return registry.get(type_)
    except Exception:  # unknown scope or type: the build names it
        return None


def init_arguments(cls) -> Optional[Set[str]]:
    """Keyword arguments ``cls(...)`` accepts: its ``__init__`` parameters
    and, while one ends in ``**kwargs``, those of the next ``__init__`` up
    its MRO. None when ``**kwargs`` reach ``object`` (they could go
    anywhere), except for ``CheckpointHook``, whose ``**kwargs`` go to
    ``Runner.save_checkpoint``."""
    import torch
    names, open_kwargs = set(), False
    for klass in cls.__mro__:
        if klass is object:
            break
        init = vars(klass).get('__init__')
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        names |= {
            p.name for p in params if p.name != 'self' and p.kind in (
                p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        }
        open_kwargs = any(p.kind == p.VAR_KEYWORD for p in params)
        if not open_kwargs or klass is torch.nn.Module:
            return names  # nn.Module refuses any keyword argument
    if not open_kwargs:
        return names
    from mmengine.hooks import CheckpointHook
    if issubclass(cls, CheckpointHook):
        from mmengine.runner import Runner
        forwarded = set(inspect.signature(Runner.save_checkpoint).parameters)
        return names | (forwarded - _CHECKPOINT_HOOK_PASSES)
    return None


@functools.lru_cache()
def model_cfg_keys(which: str) -> Tuple[str, ...]:
    """Keys of a model's ``test_cfg`` / ``train_cfg`` (``which``) that
    mmseg's and this package's models read (``test_cfg.mode``,
    ``test_cfg.get('size')``, ``test_cfg['stride']``), found in their
    source."""
    import mmseg.models

    import mmseg_efficient.models
    pattern = re.compile(
        which + r'''(?:\.get\(\s*|\[\s*|\.)['"]?([A-Za-z_]\w*)''')
    dict_methods = {'get', 'pop', 'keys', 'items', 'values', 'update',
                    'copy', 'setdefault'}
    keys = set()
    for package in (mmseg.models, mmseg_efficient.models):
        for root, _, files in os.walk(osp.dirname(package.__file__)):
            for name in files:
                if name.endswith('.py'):
                    with open(osp.join(root, name), encoding='utf-8') as f:
                        keys.update(pattern.findall(f.read()))
    return tuple(sorted(keys - dict_methods))


def accepted_keys(parts: List[str], node, type_override,
                  scope: str) -> Tuple[Optional[Set[str]], str]:
    """What the dict at config path ``parts`` accepts, and its name for
    messages; ``(None, '')`` when that cannot be known.

    Args:
        parts (list[str]): The dict's path (``['default_hooks',
            'checkpoint']``).
        node: The dict as the config has it (None when absent).
        type_override: A ``type`` given for it with ``--cfg-options``.
        scope (str): The config's ``default_scope``.
    """
    if any(p in _UNCHECKED for p in parts):
        return None, ''
    node = node if isinstance(node, dict) else {}
    type_ = type_override if type_override is not None else node.get('type')
    names = [p for p in parts if not p.isdigit()]
    if names[0] in ('model', 'tta_model') and names[-1] in ('test_cfg',
                                                             'train_cfg'):
        if scope != 'mmseg':
            return None, ''
        return set(model_cfg_keys(names[-1])), 'the keys mmseg reads'
    if len(parts) == 1 and names[0].endswith('_dataloader'):
        from torch.utils.data import DataLoader
        keys = set(inspect.signature(DataLoader.__init__).parameters)
        return (keys - {'self'}) | _DATALOADER_KEYS, 'DataLoader'
    registry = _registry_name(parts)
    if registry is None:
        return None, ''
    if type_ is None:
        if registry == 'LOOPS' and parts == ['train_cfg']:
            type_ = ('EpochBasedTrainLoop' if node.get('by_epoch', True)
                     else 'IterBasedTrainLoop')
            extra = {'by_epoch'}
        elif registry == 'LOG_PROCESSORS':
            type_, extra = 'LogProcessor', set()
        else:
            return None, ''
    else:
        extra = set()
    cls = _lookup(registry, type_, scope)
    if cls is None:
        return None, ''
    args = init_arguments(cls)
    if args is None:
        return None, ''
    return (args | extra | _BUILD_KEYS | _BUILDER_KEYS.get(registry, set()),
            cls.__name__)


def _child(node, name: str):
    if isinstance(node, dict):
        return node.get(name)
    if isinstance(node, (list, tuple)) and name.isdigit() and \
            int(name) < len(node):
        return node[int(name)]
    return None


def _has(node, name: str) -> bool:
    if isinstance(node, dict):
        return name in node
    return isinstance(node, (list, tuple)) and name.isdigit() and \
        int(name) < len(node)


def check_nested_keys(cfg, cfg_options: dict, config_path: str,
                      error_cls) -> Tuple[dict, List[str]]:
    """Check every key of ``cfg_options`` below the top level.

    A key new to its dict must be one the dict's target accepts (see the
    module docstring). When a dataset wrapper (``RareClassOversampledDataset``,
    ``RepeatDataset``...) does not accept a key that the dataset it wraps
    does (``train_dataloader.dataset.data_root``), the key is moved to the
    wrapped dataset (``train_dataloader.dataset.dataset.data_root``).

    Returns:
        tuple[dict, list[str]]: The options to merge (keys moved to wrapped
        datasets) and one note per moved key.

    Raises:
        error_cls: A key the target does not accept, naming the key, the
            class and, when one is close, the key meant.
    """
    scope = cfg.get('default_scope') or 'mmseg'
    options, notes = {}, []
    for key, value in cfg_options.items():
        key = _check_key(cfg, cfg_options, key, scope, config_path,
                         error_cls, notes)
        options[key] = value
    return options, notes


def _check_key(cfg, cfg_options, key, scope, config_path, error_cls, notes):
    parts = key.split('.')
    node = cfg.get(parts[0])
    for depth in range(1, len(parts)):
        name = parts[depth]
        if _has(node, name):
            node = _child(node, name)
            continue
        where = parts[:depth]
        accepted, target = accepted_keys(
            where, node, cfg_options.get('.'.join(where + ['type'])), scope)
        if accepted is None or name in accepted:
            node = None  # a new dict: what is below it is unknown
            continue
        inner = _child(node, 'dataset')
        if isinstance(inner, dict) and _registry_name(where) == 'DATASETS':
            inner_ok, _ = accepted_keys(where + ['dataset'], inner, None,
                                        scope)
            if inner_ok is not None and name in inner_ok:
                moved = '.'.join(where + ['dataset'] + parts[depth:])
                notes.append(
                    f'--cfg-options {key}: {target} ({".".join(where)}) '
                    f'wraps the dataset that takes {name!r}; applied as '
                    f'{moved}')
                return _check_key(cfg, cfg_options, moved, scope,
                                  config_path, error_cls, notes)
        close = difflib.get_close_matches(name, sorted(accepted), n=1)
        hint = ('.'.join(where + [close[0]] + parts[depth + 1:])
                if close else None)
        raise error_cls(
            f'--cfg-options {key}: {".".join(where)} ({target}, config '
            f'{config_path}) takes no {name!r} (an override would add it '
            'and fail when it is built or be ignored).' +
            (f" Did you mean '{hint}'?" if hint else '') +
            f' It takes: '
            f'{", ".join(sorted(accepted - _BUILD_KEYS - _DEFAULT_ARGS))}.')
    return key
