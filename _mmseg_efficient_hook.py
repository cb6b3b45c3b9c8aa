# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Start-up hook of mmseg_efficient (run by ``mmseg_efficient.pth``).

pip installs ``mmseg_efficient.pth`` next to the package; Python's ``site``
runs its one line at every interpreter start of that environment, the way
setuptools' ``distutils-precedence.pth`` works. It calls :func:`install`,
which only adds two import hooks (nothing heavy is imported here):

* ``mmcv.ops`` (mmcv-lite only): mmseg imports ``point_sample``,
  ``sigmoid_focal_loss``, ``CrissCrossAttention`` and ``PSAMask`` from
  ``mmcv.ops``, which fails without mmcv's compiled ``mmcv._ext``. When
  ``mmcv.ops`` is imported and ``mmcv._ext`` is missing, the hook gives the
  pure-PyTorch stand-ins instead, so that ``from mmseg.apis import ...`` and
  mmseg's own tools work whatever is imported first. With a full mmcv the
  hook steps aside and the compiled ops load as usual.
* ``mmengine.analysis`` (mmengine 0.10.x): mmseg 1.2.2's own
  ``tools/analysis_tools/get_flops.py`` passes both ``input_shape`` and
  ``inputs`` to ``get_model_complexity_info``, which refuses that for every
  model; :func:`fix_complexity_info` lets ``inputs`` win (what the
  function's docstring says ``inputs`` is for).
* ``torch.load`` (torch>=2.6): its first call allow-lists the types mmengine
  writes into checkpoints (:func:`safe_checkpoint_globals`), so that tools
  which only ``torch.load`` a checkpoint (mmseg's ``publish_model.py``) read
  mmengine checkpoints with ``weights_only=True`` kept.

``MMSEG_EFFICIENT_NO_COMPAT=import_hook`` (or ``all``) turns the hook off.
:mod:`mmseg_efficient.compat` reports it in ``APPLIED`` / ``SKIPPED`` and
builds the same stand-ins when the hook is not installed (a source checkout
run without ``pip install``).
"""
import functools
import importlib.util
import os
import os.path as osp
import sys

__all__ = ['install', 'installed', 'build_mmcv_ops_stub',
           'fix_complexity_info', 'history_buffer_getattr',
           'mmcv_ops_compiled', 'safe_checkpoint_globals']

#: The name of this hook in ``MMSEG_EFFICIENT_NO_COMPAT``; the names of the
#: compat fixes its two parts stand for turn those parts off too.
NAME = 'import_hook'
NO_COMPAT_ENV = 'MMSEG_EFFICIENT_NO_COMPAT'
#: Who installed the hook in this interpreter: 'site' (the .pth at start-up),
#: 'import mmseg_efficient', or None.
INSTALLED_BY = None


def _turned_off(part: str = NAME) -> bool:
    names = {n.strip() for n in os.environ.get(NO_COMPAT_ENV, '').split(',')}
    return bool(names & {NAME, part, 'all'})


def mmcv_ops_compiled() -> bool:
    """Whether mmcv's compiled extension exists (a full mmcv)."""
    try:
        return importlib.util.find_spec('mmcv._ext') is not None
    except (ImportError, ValueError):
        return False


def sigmoid_focal_loss(input,
                       target,
                       gamma: float = 2.0,
                       alpha: float = 0.25,
                       weight=None,
                       reduction: str = 'mean'):
    """Pure-PyTorch ``mmcv.ops.sigmoid_focal_loss`` (same signature).

    Args:
        input (Tensor): Logits of shape (N, C).
        target (Tensor): Class indices of shape (N,); the value C means
            background (no positive class).
        gamma (float): Focusing parameter. Default: 2.0.
        alpha (float): Balance of positives. Default: 0.25.
        weight (Tensor, optional): Per-class weight of shape (C,).
        reduction (str): 'none', 'mean' or 'sum'. Default: 'mean'.
    """
    import torch.nn.functional as F
    num_classes = input.size(1)
    one_hot = F.one_hot(target.long().clamp(max=num_classes), num_classes + 1)
    one_hot = one_hot[:, :num_classes].type_as(input)
    prob = input.sigmoid()
    pt = (1 - prob) * one_hot + prob * (1 - one_hot)
    focal_weight = (alpha * one_hot + (1 - alpha) * (1 - one_hot)) * pt.pow(
        gamma)
    loss = F.binary_cross_entropy_with_logits(
        input, one_hot, reduction='none') * focal_weight
    if weight is not None:
        loss = loss * weight.view(1, -1)
    if reduction == 'mean':
        return loss.mean()
    if reduction == 'sum':
        return loss.sum()
    return loss


def build_mmcv_ops_stub(module) -> None:
    """Fill ``module`` (to be ``mmcv.ops``) with the pure-PyTorch stand-ins.

    ``mmcv/ops/point_sample.py`` is plain PyTorch (``F.grid_sample``); it is
    loaded by path so that ``mmcv/ops/__init__.py`` (which needs
    ``mmcv._ext``) is bypassed. ``CrissCrossAttention`` and ``PSAMask`` are
    None, as in mmseg's own fallbacks: ``CCHead`` / ``PSAHead`` then raise
    mmseg's clear "please install mmcv-full" error when they are built.
    """
    import warnings

    import mmcv

    # mmcv's transformer bricks try mmcv.ops.multi_scale_deform_attn and warn
    # that mmcv-lite lacks it: expected here, and mmseg does not need it.
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention')
    module.__doc__ = (
        'Pure-PyTorch stand-ins for the few mmcv.ops names mmseg imports '
        '(installed by mmseg_efficient because the compiled mmcv ops are '
        'missing: mmcv-lite).')
    module.__mmseg_efficient_stub__ = True
    path = osp.join(osp.dirname(mmcv.__file__), 'ops', 'point_sample.py')
    spec = importlib.util.spec_from_file_location(
        'mmseg_efficient._mmcv_point_sample', path)
    point_sample = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(point_sample)
    module.point_sample = point_sample.point_sample
    module.bilinear_grid_sample = point_sample.bilinear_grid_sample
    module.sigmoid_focal_loss = sigmoid_focal_loss
    module.CrissCrossAttention = None
    module.PSAMask = None


def _statistics_method_names(history_buffer) -> set:
    """Names under which ``HistoryBuffer`` keeps statistics methods that are
    its own plain functions (``min``, ``max``, ``current``, ``mean``)."""
    import inspect
    names = {'min', 'max', 'current', 'mean'}
    names.update(history_buffer._statistics_methods)
    return {
        n
        for n in names if inspect.isfunction(vars(history_buffer).get(n))
    }


def history_buffer_getattr(obj, name):
    """What a checkpoint's ``builtins.getattr`` resolves to: a restricted
    reconstruction that looks up only ``HistoryBuffer``'s own statistics
    methods (``getattr(HistoryBuffer, 'mean')``, how protocol-2 pickles
    name them). Anything else (``getattr(getattr, '__self__')`` leads to
    ``builtins.exec`` and ``__import__``) is refused.

    Raises:
        pickle.UnpicklingError: Any other object or attribute.
    """
    import pickle

    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and isinstance(name, str) \
            and name in _statistics_method_names(HistoryBuffer):
        return vars(HistoryBuffer)[name]
    what = 'getattr' if obj is history_buffer_getattr else (
        getattr(obj, '__qualname__', None) or type(obj).__name__)
    raise pickle.UnpicklingError(
        f'Unsupported attribute lookup getattr({what}, {name!r}): '
        'checkpoints may only name HistoryBuffer\'s statistics methods '
        f'({", ".join(sorted(_statistics_method_names(HistoryBuffer)))}) '
        'through getattr')


def safe_checkpoint_globals() -> list:
    """Exactly the non-tensor types mmengine writes into its checkpoints:
    the message hub's ``HistoryBuffer`` (whose ``_statistics_methods`` dict
    pickles its functions through ``getattr``, resolved by
    :func:`history_buffer_getattr`, never the builtin) and the numpy
    scalars/arrays it logs."""
    import numpy as np
    from mmengine.logging import HistoryBuffer
    # numpy 2 moved numpy.core to numpy._core (the old name warns).
    multiarray = importlib.import_module(
        'numpy._core.multiarray' if hasattr(np, '_core') else
        'numpy.core.multiarray')
    allowed = [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        multiarray._reconstruct,
        multiarray.scalar,
        # HistoryBuffer pickles its statistics methods through getattr: the
        # builtin would reach exec and __import__ (getattr(getattr,
        # '__self__') is the builtins module), so a restricted lookup
        # stands in for it.
        (history_buffer_getattr, 'builtins.getattr'),
    ]
    # numpy>=1.25 pickles dtypes through their numpy.dtypes classes.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        allowed += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
        ]
    return allowed


class _StubLoader:
    """Creates ``mmcv.ops`` from :func:`build_mmcv_ops_stub`."""

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        build_mmcv_ops_stub(module)


class _AfterLoader:
    """Runs ``callback(module)`` after the real loader executed a module."""

    def __init__(self, loader, callback):
        self._loader = loader
        self._callback = callback

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        try:
            self._callback(module)
        except Exception:  # noqa: BLE001 (a hook never breaks an import)
            pass

    def __getattr__(self, name):
        return getattr(self._loader, name)


def _allow_mmengine_types_on_first_load(torch) -> None:
    """Wrap ``torch.load`` so that its first call registers
    :func:`safe_checkpoint_globals` (imported only then: numpy, mmengine)."""
    original = torch.load
    if getattr(original, '__mmseg_efficient__', False) or not hasattr(
            torch.serialization, 'add_safe_globals'):
        return
    done = []

    @functools.wraps(original)
    def load(*args, **kwargs):
        if not done:
            done.append(True)
            try:
                torch.serialization.add_safe_globals(
                    safe_checkpoint_globals())
            except Exception:  # noqa: BLE001 (no mmengine: plain torch.load)
                pass
        return original(*args, **kwargs)

    load.__mmseg_efficient__ = True
    torch.load = load


def fix_complexity_info(analysis) -> bool:
    """Let ``analysis.get_model_complexity_info`` take ``inputs`` together
    with an ``input_shape`` (the shape is then unused), where it refuses the
    pair. Returns whether the fix was needed (and applied)."""
    import inspect
    original = analysis.get_model_complexity_info
    if getattr(original, '__mmseg_efficient__', False):
        return True
    if 'cannot be both set' not in inspect.getsource(original):
        return False

    @functools.wraps(original)
    def get_model_complexity_info(model, input_shape=None, inputs=None,
                                  *args, **kwargs):
        if inputs is not None:
            input_shape = None
        return original(model, input_shape, inputs, *args, **kwargs)

    get_model_complexity_info.__mmseg_efficient__ = True
    analysis.get_model_complexity_info = get_model_complexity_info
    return True


#: module name -> (the compat fix it stands for, what runs after its import)
_AFTER_IMPORT = {
    'torch': ('safe_checkpoint_loading', _allow_mmengine_types_on_first_load),
    'mmengine.analysis': ('complexity_info_inputs', fix_complexity_info),
}


class _Finder:
    """``sys.meta_path`` entry: ``mmcv.ops`` stand-ins and the steps run
    after ``torch`` and ``mmengine.analysis`` are imported. Every other
    import is left to the other finders."""

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if fullname == 'mmcv.ops':
            if _turned_off('mmcv_ops_stub') or mmcv_ops_compiled():
                return None
            return importlib.util.spec_from_loader('mmcv.ops', _StubLoader())
        if fullname in _AFTER_IMPORT:
            part, callback = _AFTER_IMPORT[fullname]
            if _turned_off(part):
                return None
            for finder in sys.meta_path:
                if finder is cls or not hasattr(finder, 'find_spec'):
                    continue
                spec = finder.find_spec(fullname, path, target)
                if spec is not None and spec.loader is not None:
                    spec.loader = _AfterLoader(spec.loader, callback)
                    return spec
        return None


def installed() -> bool:
    """Whether the hook is active in this interpreter."""
    return _Finder in sys.meta_path


def install(source: str = 'site') -> bool:
    """Put the hook first on ``sys.meta_path`` (idempotent; never raises).

    Args:
        source (str): Who installs it ('site': the .pth at start-up).

    Returns:
        bool: Whether the hook is active.
    """
    global INSTALLED_BY
    try:
        if _turned_off():
            return False
        if _Finder not in sys.meta_path:
            sys.meta_path.insert(0, _Finder)
            INSTALLED_BY = source
        for name, (part, callback) in _AFTER_IMPORT.items():
            if name in sys.modules and not _turned_off(part):
                callback(sys.modules[name])
        return True
    except Exception:  # noqa: BLE001 (a start-up hook never breaks Python)
        return False
