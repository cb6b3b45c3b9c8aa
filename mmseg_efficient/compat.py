# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Compatibility layer for mmseg 1.2.2 / mmcv 2.1 / mmengine 0.10.7 on today's
PyTorch.

Every fix here is small, targeted and idempotent; :func:`apply_compat` is
called once when :mod:`mmseg_efficient` is imported, *before* anything from
``mmseg.models`` is imported. Each fix first probes whether the bug it fixes
is present (a version or behaviour check) and patches only then, so a fixed
upstream is left alone. :data:`APPLIED` maps each applied fix to the reason
its probe gave, :data:`SKIPPED` each other fix to why it was not applied.
``MMSEG_EFFICIENT_NO_COMPAT=name1,name2`` (or ``all``) turns fixes off by
name (:data:`PATCHES`). Each piece is covered by ``tests/test_compat.py``.

1. ``mmcv.ops`` stand-ins (mmcv-lite only): mmseg imports ``point_sample``,
   ``sigmoid_focal_loss``, ``CrissCrossAttention`` and ``PSAMask`` from
   ``mmcv.ops`` at import time. With mmcv-lite the compiled ``mmcv._ext`` is
   missing, so ``import mmseg.models`` fails. When (and only when) the real
   ``mmcv.ops`` cannot be imported, a small pure-PyTorch module is installed
   under that name. With a full mmcv the real ops are used untouched.
2. Safe checkpoint loading on torch>=2.6: mmengine calls ``torch.load``
   without ``weights_only``; since torch 2.6 that means ``weights_only=True``,
   which refuses the ``HistoryBuffer`` and numpy objects mmengine writes into
   its checkpoints. We keep ``weights_only=True`` and allow-list exactly
   those types. Any other pickled object is refused with an error that names
   the file and the offending global.
3. Class-weighted cross-entropy with an ignore index: mmseg's
   ``cross_entropy`` looks ``class_weight[label]`` up for every pixel,
   ignored ones (255) included, which raises ``IndexError``. The function is
   replaced by one that gives ignored pixels zero weight (PyTorch's own
   ``F.cross_entropy`` convention).
4. CPU distributed training (gloo): mmengine's pytorch launcher calls
   ``torch.cuda.set_device`` unconditionally and the Runner always passes
   ``device_ids`` to DDP. Without CUDA we initialise the process group
   without touching CUDA, and register (in mmseg's scope) a DDP wrapper that
   drops ``device_ids`` and reverts SyncBN for CPU modules.
5. Class-weight files: mmseg's ``get_class_weight`` (behind every loss's
   ``class_weight='FILE'``) hands each path not ending in ``.npy`` to
   ``mmengine.load``, which unpickles ``.pkl`` files and reads YAML with
   the full loader, so a data file can run code. It is replaced (in
   ``mmseg.models.losses.utils`` and in every loss module that imported
   it) by :func:`mmseg_efficient.datasets.class_weights.
   load_class_weight_file`, which reads ``.npy`` without pickle, ``.json``,
   ``.txt`` / ``.csv`` and safe YAML, and refuses anything else.

``pkg_resources`` (needed by mmengine for ``mmseg::`` config paths) is
provided by pinning ``setuptools<82`` in ``setup.py`` (82 removed it); its
deprecation warning, which mmengine triggers, is silenced because the pin is
deliberate. :func:`check_pkg_resources` turns its absence into an actionable
error.
"""
import importlib
import importlib.util
import inspect
import os
import os.path as osp
import pickle
import sys
import types
import warnings
from typing import Callable, Dict, Optional, Tuple

import torch

__all__ = ['apply_compat', 'APPLIED', 'SKIPPED', 'PATCHES',
           'SAFE_CHECKPOINT_GLOBALS', 'UnsafeCheckpointError',
           'safe_torch_load']

#: Fixes active in this process: name -> why its probe found the bug.
APPLIED: Dict[str, str] = {}
#: Fixes not applied: name -> why (bug absent, or turned off).
SKIPPED: Dict[str, str] = {}
#: Environment variable that turns fixes off (names, comma-separated, or
#: ``all``).
NO_COMPAT_ENV = 'MMSEG_EFFICIENT_NO_COMPAT'


# ---------------------------------------------------------------------------
# 1. mmcv.ops stand-ins
# ---------------------------------------------------------------------------
def _real_mmcv_ops_available() -> bool:
    """Whether the compiled ``mmcv.ops`` (full mmcv) can be imported."""
    if 'mmcv.ops' in sys.modules:
        return not getattr(sys.modules['mmcv.ops'], '__mmseg_efficient_stub__',
                           False)
    try:
        importlib.import_module('mmcv.ops')
    except (ImportError, OSError):
        # mmcv-lite: ``mmcv.ops.__init__`` fails on the missing ``mmcv._ext``
        # (a partially imported module may have been left behind).
        for name in [m for m in sys.modules if m.startswith('mmcv.ops')]:
            del sys.modules[name]
        return False
    return True


def sigmoid_focal_loss(input: torch.Tensor,
                       target: torch.Tensor,
                       gamma: float = 2.0,
                       alpha: float = 0.25,
                       weight=None,
                       reduction: str = 'mean') -> torch.Tensor:
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
    num_classes = input.size(1)
    one_hot = torch.nn.functional.one_hot(
        target.long().clamp(max=num_classes), num_classes + 1)
    one_hot = one_hot[:, :num_classes].type_as(input)
    prob = input.sigmoid()
    pt = (1 - prob) * one_hot + prob * (1 - one_hot)
    focal_weight = (alpha * one_hot + (1 - alpha) * (1 - one_hot)) * pt.pow(
        gamma)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        input, one_hot, reduction='none') * focal_weight
    if weight is not None:
        loss = loss * weight.view(1, -1)
    if reduction == 'mean':
        return loss.mean()
    if reduction == 'sum':
        return loss.sum()
    return loss


def _probe_mmcv_ops() -> Optional[str]:
    if _real_mmcv_ops_available():
        return None
    return ('the compiled mmcv.ops cannot be imported (mmcv-lite), and mmseg '
            'imports point_sample, sigmoid_focal_loss, CrissCrossAttention '
            'and PSAMask from it')


def _install_mmcv_ops_stub() -> bool:
    """Install pure-PyTorch ``mmcv.ops`` stand-ins if the real ops are
    missing. Returns True when the stand-ins are active."""
    if _probe_mmcv_ops() is None:
        return False
    import mmcv
    stub = types.ModuleType('mmcv.ops')
    stub.__doc__ = ('Pure-PyTorch stand-ins for the few mmcv.ops names mmseg '
                    'imports (installed by mmseg_efficient.compat because '
                    'the compiled mmcv ops are missing: mmcv-lite).')
    stub.__mmseg_efficient_stub__ = True
    # mmcv/ops/point_sample.py is plain PyTorch (F.grid_sample): load it by
    # path so that mmcv.ops.__init__ (which needs mmcv._ext) is bypassed.
    path = osp.join(osp.dirname(mmcv.__file__), 'ops', 'point_sample.py')
    spec = importlib.util.spec_from_file_location(
        'mmseg_efficient._mmcv_point_sample', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stub.point_sample = module.point_sample
    stub.bilinear_grid_sample = module.bilinear_grid_sample
    stub.sigmoid_focal_loss = sigmoid_focal_loss
    # None mirrors mmseg's own fallbacks: CCHead / PSAHead raise a clear
    # "please install mmcv-full" error when they are built.
    stub.CrissCrossAttention = None
    stub.PSAMask = None
    sys.modules['mmcv.ops'] = stub
    mmcv.ops = stub
    return True


# ---------------------------------------------------------------------------
# 2. weights_only checkpoint loading
# ---------------------------------------------------------------------------
class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds a pickled object outside the allow-list."""


def _safe_checkpoint_globals() -> list:
    """Exactly the non-tensor types mmengine writes into its checkpoints:
    the message hub's ``HistoryBuffer`` (whose ``_statistics_methods`` dict
    pickles its functions through ``getattr``) and the numpy scalars/arrays
    it logs."""
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
        # HistoryBuffer pickles its statistics methods through getattr; the
        # weights-only unpickler still refuses to *call* anything that is
        # not itself allow-listed.
        getattr,
    ]
    # numpy>=1.25 pickles dtypes through their numpy.dtypes classes.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        allowed += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
        ]
    return allowed


SAFE_CHECKPOINT_GLOBALS: list = []


def safe_torch_load(filename, map_location=None):
    """``torch.load`` with ``weights_only=True`` and mmengine's allow-list.

    Args:
        filename (str | file-like): The checkpoint.
        map_location: As for :func:`torch.load`.

    Raises:
        NotACheckpointError: The file is not a checkpoint at all (see
            :func:`mmseg_efficient.utils.checkpoint.check_checkpoint_file`).
        UnsafeCheckpointError: The file carries a pickled object that is not
            a tensor, a plain container or an allow-listed mmengine/numpy
            type (for example one whose ``__reduce__`` runs a command).
    """
    if isinstance(filename, (str, os.PathLike)):
        # an empty / text / HTML / truncated file is named as such
        from .utils.checkpoint import check_checkpoint_file
        check_checkpoint_file(filename)
    if not SAFE_CHECKPOINT_GLOBALS:
        SAFE_CHECKPOINT_GLOBALS.extend(_safe_checkpoint_globals())
    with torch.serialization.safe_globals(SAFE_CHECKPOINT_GLOBALS):
        try:
            return torch.load(
                filename, map_location=map_location, weights_only=True)
        except pickle.UnpicklingError as err:
            name = filename if isinstance(filename, str) else repr(filename)
            lines = str(err).strip().splitlines()
            detail = next((line for line in lines
                           if 'GLOBAL' in line or 'Unsupported' in line),
                          lines[0] if lines else '')
            raise UnsafeCheckpointError(
                f'Refusing to load checkpoint {name}: it contains a pickled '
                'object outside the allow-list of types mmengine writes into '
                f'checkpoints ({detail.strip()}). Only load checkpoints from '
                'sources you trust; if this one is yours, re-save its '
                'state_dict with plain tensors.') from err


def _probe_checkpoint_loader() -> Optional[str]:
    if not hasattr(torch.serialization, 'safe_globals'):
        # torch<2.5: no allow-list API; torch.load still defaults to
        # weights_only=False there, so mmengine's loader works as it is.
        return None
    if inspect.signature(torch.load).parameters['weights_only'].default \
            is False:
        return None  # torch<2.6: bare torch.load still unpickles anything
    from mmengine.runner import checkpoint as ckpt_mod
    if 'weights_only' in inspect.getsource(ckpt_mod.load_from_local):
        return None  # mmengine passes weights_only itself
    return (f'torch {torch.__version__} loads with weights_only=True by '
            'default and mmengine calls torch.load bare, so its own '
            'checkpoints (HistoryBuffer, numpy scalars) fail to load')


def _patch_checkpoint_loader() -> bool:
    from mmengine.runner import checkpoint as ckpt_mod

    def load_from_local(filename, map_location):
        """Load a local checkpoint with ``weights_only=True`` (see
        :func:`mmseg_efficient.compat.safe_torch_load`)."""
        filename = osp.expanduser(filename)
        if not osp.isfile(filename):
            raise FileNotFoundError(f'{filename} can not be found.')
        return safe_torch_load(filename, map_location=map_location)

    load_from_local.__mmseg_efficient__ = True
    ckpt_mod.CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local, force=True)
    ckpt_mod.load_from_local = load_from_local
    return True


# ---------------------------------------------------------------------------
# 3. class-weighted cross-entropy with ignore index
# ---------------------------------------------------------------------------
def _probe_cross_entropy() -> Optional[str]:
    from mmseg.models.losses import cross_entropy_loss as ce_mod
    if getattr(ce_mod.cross_entropy, '__mmseg_efficient__', False):
        return 'already patched in this process'
    pred = torch.zeros(1, 2, 1, 2)
    label = torch.tensor([[[0, 255]]])
    try:
        ce_mod.cross_entropy(
            pred, label, class_weight=torch.ones(2), ignore_index=255)
    except (IndexError, RuntimeError) as err:
        return ('mmseg\'s class-weighted cross_entropy indexes class_weight '
                f'with the ignore label ({type(err).__name__})')
    return None


def _patch_cross_entropy() -> bool:
    from mmseg.models.losses import cross_entropy_loss as ce_mod
    if getattr(ce_mod.cross_entropy, '__mmseg_efficient__', False):
        return True
    original = ce_mod.cross_entropy

    def cross_entropy(pred,
                      label,
                      weight=None,
                      class_weight=None,
                      reduction='mean',
                      avg_factor=None,
                      ignore_index=-100,
                      avg_non_ignore=False):
        """mmseg's ``cross_entropy`` whose class-weighted average factor
        gives ignored pixels zero weight instead of indexing
        ``class_weight[ignore_index]``."""
        if (avg_factor is None and reduction == 'mean'
                and class_weight is not None):
            valid = label != ignore_index
            avg_factor = class_weight[label[valid]].sum()
        return original(pred, label, weight, class_weight, reduction,
                        avg_factor, ignore_index, avg_non_ignore)

    cross_entropy.__mmseg_efficient__ = True
    cross_entropy.__wrapped__ = original
    ce_mod.cross_entropy = cross_entropy
    import mmseg.models.losses as losses_pkg
    losses_pkg.cross_entropy = cross_entropy
    return True


# ---------------------------------------------------------------------------
# 4. CPU (gloo) distributed training
# ---------------------------------------------------------------------------
def _probe_cpu_distributed() -> Optional[str]:
    from mmengine.dist import utils as dist_utils
    if getattr(dist_utils._init_dist_pytorch, '__mmseg_efficient__', False):
        return 'already patched in this process'
    if 'torch.cuda.set_device' not in inspect.getsource(
            dist_utils._init_dist_pytorch):
        return None
    return ("mmengine's pytorch launcher calls torch.cuda.set_device "
            'unconditionally and the Runner passes device_ids to DDP, so '
            'CPU (gloo) training fails')


def _patch_cpu_distributed() -> bool:
    import torch.distributed as torch_dist
    from mmengine.dist import utils as dist_utils
    if getattr(dist_utils._init_dist_pytorch, '__mmseg_efficient__', False):
        return True
    original = dist_utils._init_dist_pytorch

    def _init_dist_pytorch(backend, init_backend='torch', **kwargs):
        """mmengine's launcher, without ``torch.cuda.set_device`` (and with
        the gloo backend) when there is no CUDA device."""
        if torch.cuda.is_available() or init_backend != 'torch':
            return original(backend, init_backend=init_backend, **kwargs)
        if backend != 'gloo':
            warnings.warn(f'No CUDA device: using the gloo backend instead '
                          f'of {backend!r} for distributed training.')
        torch_dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs)

    _init_dist_pytorch.__mmseg_efficient__ = True
    dist_utils._init_dist_pytorch = _init_dist_pytorch

    from mmengine.model import MMDistributedDataParallel
    from mmseg.registry import MODEL_WRAPPERS

    class CPUCompatibleDistributedDataParallel(MMDistributedDataParallel):
        """``MMDistributedDataParallel`` that also runs CPU modules.

        mmengine's Runner always passes ``device_ids=[LOCAL_RANK]``, which
        DDP rejects for a module on the CPU; SyncBN has no CPU kernel. For a
        CPU module ``device_ids`` is dropped and SyncBN is reverted to BN
        (each process then keeps its own BN statistics). CUDA modules are
        wrapped exactly as mmengine does.
        """

        def __init__(self, module, detect_anomalous_params=False, **kwargs):
            on_cpu = all(p.device.type == 'cpu' for p in module.parameters())
            if on_cpu:
                from mmengine.model import revert_sync_batchnorm
                kwargs.pop('device_ids', None)
                kwargs.pop('output_device', None)
                module = revert_sync_batchnorm(module)
            super().__init__(
                module,
                detect_anomalous_params=detect_anomalous_params,
                **kwargs)

    # The Runner instantiates mmengine's class directly when the config has
    # no ``model_wrapper_cfg``, and looks the name up in the registry (mmseg
    # scope first) when it has one: cover both.
    from mmengine.runner import runner as runner_mod
    runner_mod.MMDistributedDataParallel = (
        CPUCompatibleDistributedDataParallel)
    if 'MMDistributedDataParallel' not in MODEL_WRAPPERS.module_dict:
        MODEL_WRAPPERS.register_module(
            name='MMDistributedDataParallel',
            module=CPUCompatibleDistributedDataParallel)
    return True


# ---------------------------------------------------------------------------
# 5. class-weight files read without pickle / unsafe YAML
# ---------------------------------------------------------------------------
def _probe_class_weight_files() -> Optional[str]:
    import tempfile

    from mmseg.models.losses import utils as loss_utils
    if getattr(loss_utils.get_class_weight, '__mmseg_efficient__', False):
        return 'already patched in this process'
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'probe.pkl')
        with open(path, 'wb') as f:  # a harmless pickle: a plain list
            pickle.dump([0.5], f)
        try:
            unpickled = loss_utils.get_class_weight(path)
        except Exception:
            return None  # pickle files are refused already
    if list(unpickled) != [0.5]:
        return None
    return ("mmseg's get_class_weight reads every class_weight path not "
            'ending in .npy with mmengine.load, which unpickles .pkl files '
            'and reads YAML with the full loader (both can run code)')


def _patch_class_weight_files() -> bool:
    from mmseg.models.losses import utils as loss_utils
    original = loss_utils.get_class_weight
    if getattr(original, '__mmseg_efficient__', False):
        return True

    def get_class_weight(class_weight):
        """mmseg's ``get_class_weight``, reading a file path with
        :func:`~mmseg_efficient.datasets.class_weights.
        load_class_weight_file` (no pickle, no unsafe YAML)."""
        if isinstance(class_weight, (str, os.PathLike)):
            from .datasets.class_weights import load_class_weight_file
            return load_class_weight_file(os.fspath(class_weight))
        return class_weight

    get_class_weight.__mmseg_efficient__ = True
    get_class_weight.__wrapped__ = original
    import mmseg.models.losses  # noqa: F401  (imports every loss module)
    for name, module in list(sys.modules.items()):
        if (name.startswith('mmseg.models.losses') and getattr(
                module, 'get_class_weight', None) is original):
            module.get_class_weight = get_class_weight
    return True


def _probe_pkg_resources() -> Optional[str]:
    from mmengine.utils import package_utils
    if 'pkg_resources' not in inspect.getsource(package_utils):
        return None
    return ("mmengine resolves 'mmseg::' config paths with pkg_resources, "
            'whose deprecation warning it triggers on every config load')


def check_pkg_resources() -> bool:
    """mmengine 0.10.7 resolves ``mmseg::`` config paths with
    ``pkg_resources`` (removed in setuptools>=82)."""
    warnings.filterwarnings(
        'ignore', message='pkg_resources is deprecated', category=UserWarning)
    if importlib.util.find_spec('pkg_resources') is None:
        warnings.warn('pkg_resources is missing (setuptools>=82): configs '
                      "that use 'mmseg::' _base_ paths will fail. Install "
                      "'setuptools<82' (mmseg_efficient's setup.py pins it).")
        return False
    return True


def _silence_lite_warning() -> bool:
    """Install the ``mmcv.ops`` stand-ins and silence mmseg's expected
    "Fail to import MultiScaleDeformableAttention" warning."""
    _install_mmcv_ops_stub()
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention')
    return True


#: name -> (probe, patch). A probe returns None when the bug is absent, else
#: the reason the fix is needed; the patch is applied only then.
PATCHES: Dict[str, Tuple[Callable[[], Optional[str]], Callable[[], bool]]] = {
    'mmcv_ops_stub': (_probe_mmcv_ops, _silence_lite_warning),
    'safe_checkpoint_loading': (_probe_checkpoint_loader,
                                _patch_checkpoint_loader),
    'pkg_resources': (_probe_pkg_resources, check_pkg_resources),
    'weighted_cross_entropy': (_probe_cross_entropy, _patch_cross_entropy),
    'cpu_distributed': (_probe_cpu_distributed, _patch_cpu_distributed),
    'safe_class_weight_files': (_probe_class_weight_files,
                                _patch_class_weight_files),
}


def disabled_patches() -> set:
    """Names turned off through ``MMSEG_EFFICIENT_NO_COMPAT``.

    Raises:
        ValueError: An unknown name, naming it and the known ones.
    """
    value = os.environ.get(NO_COMPAT_ENV, '').strip()
    if not value:
        return set()
    names = {n.strip() for n in value.split(',') if n.strip()}
    if 'all' in names:
        return set(PATCHES)
    unknown = sorted(names - set(PATCHES))
    if unknown:
        raise ValueError(
            f'{NO_COMPAT_ENV}={value!r}: unknown fix {", ".join(unknown)}; '
            f'known: {", ".join(PATCHES)} (or all)')
    return names


def apply_compat() -> Dict[str, str]:
    """Probe and apply every compatibility fix once. Returns
    :data:`APPLIED` (name -> reason); :data:`SKIPPED` says why the others
    were not applied."""
    if APPLIED or SKIPPED:
        return APPLIED
    off = disabled_patches()
    for name, (probe, patch) in PATCHES.items():
        if name in off:
            SKIPPED[name] = f'turned off by {NO_COMPAT_ENV}'
            continue
        reason = probe()
        if reason is None:
            SKIPPED[name] = 'bug not present in the installed versions'
            continue
        if patch():
            APPLIED[name] = reason
        else:
            SKIPPED[name] = 'patch could not be applied'
    return APPLIED
