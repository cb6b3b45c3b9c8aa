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

0. The import hook (``import_hook``): ``mmseg_efficient.pth``, installed
   with the package, runs :mod:`_mmseg_efficient_hook` at interpreter start,
   so that fixes 1 and 2 also hold when mmseg (or a bare ``torch.load``) is
   used before ``import mmseg_efficient``: ``from mmseg.apis import
   MMSegInferencer`` in a fresh interpreter, mmseg's own tools.
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
5. Loaders that name the file they cannot read: mmcv's ``LoadImageFromFile``
   and mmseg's ``LoadAnnotations`` let the decoder's error through (an empty
   image ends in ``cv2.error ... !buf.empty()``, an undecodable label in
   Pillow's ``UnidentifiedImageError``), with no file name. Both are wrapped
   to raise ``SegDataError`` naming the file. The pipelines keep mmseg's type
   names, which mmseg's inference APIs and mmdeploy look up.
6. mmseg 1.2.2's own ``tools/analysis_tools/get_flops.py`` passes both
   ``input_shape`` and ``inputs`` to mmengine 0.10's
   ``get_model_complexity_info``, which refuses the pair for every model;
   ``inputs`` now wins (also done by the import hook when ``mmengine.analysis``
   is imported, since the tool binds the function before any config loads).
7. mmseg's ``SegLocalVisualizer`` paints class names with OpenCV on
   ``np.zeros_like(image)``, which today's OpenCV refuses when the image is
   not contiguous (mmseg's own ``browse_dataset.py`` passes such a view);
   the image is made contiguous first.
8. ``torch.onnx.export`` defaults to the dynamo exporter since torch 2.9;
   mmdeploy 1.3 calls it without ``dynamo=`` and its rewriters work on the
   TorchScript exporter, so its ``torch2onnx`` fails (``No module named
   'onnxscript'``). ``dynamo`` now defaults to False; passing it explicitly
   is honoured.
9. Distributed validation with rank 0's buffers: mmengine's DDP wrapper
   validates and tests each process's share of the data with that
   process's own BN statistics, which drift from rank 0's (those the
   checkpoint holds) during training; rank 0's are broadcast first
   (:func:`sync_buffers_for_eval`).
10. Class-weight files: mmseg's ``get_class_weight`` (behind every loss's
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

import _mmseg_efficient_hook as _hook
# re-exported: the stand-in of mmcv.ops and the restricted getattr
from _mmseg_efficient_hook import history_buffer_getattr  # noqa: F401
from _mmseg_efficient_hook import sigmoid_focal_loss  # noqa: F401

__all__ = ['apply_compat', 'APPLIED', 'SKIPPED', 'PATCHES',
           'SAFE_CHECKPOINT_GLOBALS', 'UnsafeCheckpointError',
           'history_buffer_getattr', 'safe_torch_load',
           'sync_buffers_for_eval']

#: Fixes active in this process: name -> why its probe found the bug.
APPLIED: Dict[str, str] = {}
#: Fixes not applied: name -> why (bug absent, or turned off).
SKIPPED: Dict[str, str] = {}
#: Environment variable that turns fixes off (names, comma-separated, or
#: ``all``).
NO_COMPAT_ENV = 'MMSEG_EFFICIENT_NO_COMPAT'


# ---------------------------------------------------------------------------
# 1. mmcv.ops stand-ins (built by the start-up hook module)
# ---------------------------------------------------------------------------
def _real_mmcv_ops_available() -> bool:
    """Whether the compiled ``mmcv.ops`` (full mmcv) is there."""
    if 'mmcv.ops' in sys.modules:
        return not getattr(sys.modules['mmcv.ops'], '__mmseg_efficient_stub__',
                           False)
    return _hook.mmcv_ops_compiled()


def _probe_mmcv_ops() -> Optional[str]:
    if _real_mmcv_ops_available():
        return None
    return ('the compiled mmcv.ops cannot be imported (mmcv-lite), and mmseg '
            'imports point_sample, sigmoid_focal_loss, CrissCrossAttention '
            'and PSAMask from it')


def _install_mmcv_ops_stub() -> bool:
    """Install pure-PyTorch ``mmcv.ops`` stand-ins if the real ops are
    missing (the start-up hook may have done it already). Returns True when
    the stand-ins are active."""
    if _probe_mmcv_ops() is None:
        return False
    if 'mmcv.ops' not in sys.modules:
        import mmcv
        stub = types.ModuleType('mmcv.ops')
        _hook.build_mmcv_ops_stub(stub)
        sys.modules['mmcv.ops'] = stub
        mmcv.ops = stub
    return True


def _probe_import_hook() -> Optional[str]:
    if _real_mmcv_ops_available() and _probe_checkpoint_loader() is None:
        return None
    where = ('installed at interpreter start by mmseg_efficient.pth'
             if _hook.INSTALLED_BY == 'site' else
             'mmseg_efficient.pth is not installed (a source checkout that '
             'is not pip-installed), so only imports after `import '
             'mmseg_efficient` are covered')
    return ('imported before mmseg_efficient, mmseg fails on mmcv-lite '
            '(no mmcv._ext) and a bare torch.load refuses mmengine '
            f'checkpoints; the import hook fixes both ({where})')


def _install_import_hook() -> bool:
    """The hook normally runs at interpreter start (``mmseg_efficient.pth``,
    installed with the package); installing it here too covers the imports
    that follow in a source checkout that is not pip-installed."""
    return _hook.install(source='import mmseg_efficient')


# ---------------------------------------------------------------------------
# 2. weights_only checkpoint loading
# ---------------------------------------------------------------------------
class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds a pickled object outside the allow-list."""


def _check_history_buffers(loaded, registry_before: dict, name: str) -> None:
    """After a load: ``HistoryBuffer.__setstate__`` merges a checkpoint's
    ``statistics_methods`` into the *class-wide* registry, and a crafted
    state could give an instance a ``_statistics_methods`` of its own. Both
    may hold only ``HistoryBuffer``'s own functions; otherwise the registry
    is restored and the checkpoint refused."""
    from mmengine.logging import HistoryBuffer
    registry = HistoryBuffer._statistics_methods
    bad = [
        k for k, v in registry.items()
        if v is not registry_before.get(k)
        and v is not vars(HistoryBuffer).get(k)
    ]
    if not bad:
        stack, seen = [loaded], 0
        while stack and seen < 100000:
            item = stack.pop()
            seen += 1
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, (list, tuple)):
                stack.extend(item)
            elif isinstance(item, HistoryBuffer):
                own = vars(item).get('_statistics_methods')
                if own is not None:
                    bad.append('an instance\'s own _statistics_methods')
                    break
    if bad:
        registry.clear()
        registry.update(registry_before)
        raise UnsafeCheckpointError(
            f'Refusing to load checkpoint {name}: its message hub sets '
            f'HistoryBuffer statistics methods ({", ".join(map(str, bad))}) '
            'to objects that are not HistoryBuffer\'s own methods. Only '
            'load checkpoints from sources you trust.')


SAFE_CHECKPOINT_GLOBALS: list = []


class _without_builtin_getattr:
    """While our loader runs, torch's process-wide allow-list holds no
    other ``builtins.getattr`` than :func:`history_buffer_getattr` (code
    that called ``torch.serialization.add_safe_globals([getattr])`` would
    otherwise win the name half of the time: torch keys its allow-list by
    name from a set). Restored afterwards."""

    def __enter__(self):
        serialization = torch.serialization
        self.saved = list(serialization.get_safe_globals())
        keep = [
            g for g in self.saved
            if g is not getattr and not (isinstance(g, tuple) and len(g) == 2
                                         and g[1] == 'builtins.getattr'
                                         and g[0] is not
                                         history_buffer_getattr)
        ]
        if len(keep) != len(self.saved):
            serialization.clear_safe_globals()
            serialization.add_safe_globals(keep)
        else:
            self.saved = None
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            torch.serialization.clear_safe_globals()
            torch.serialization.add_safe_globals(self.saved)


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
        SAFE_CHECKPOINT_GLOBALS.extend(_hook.safe_checkpoint_globals())
    from mmengine.logging import HistoryBuffer
    registry_before = dict(HistoryBuffer._statistics_methods)
    with torch.serialization.safe_globals(SAFE_CHECKPOINT_GLOBALS), \
            _without_builtin_getattr():
        try:
            loaded = torch.load(
                filename, map_location=map_location, weights_only=True)
            _check_history_buffers(
                loaded, registry_before,
                filename if isinstance(filename, str) else repr(filename))
            return loaded
        except UnsafeCheckpointError:
            raise
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
# 5. loaders that name the file they cannot read
# ---------------------------------------------------------------------------
def _loader_error_probe_sample(folder: str) -> dict:
    empty = osp.join(folder, 'empty.png')
    open(empty, 'wb').close()
    return dict(img_path=empty, seg_map_path=empty, reduce_zero_label=False,
                seg_fields=[])


def _probe_loader_file_errors() -> Optional[str]:
    """Whether mmcv's ``LoadImageFromFile`` or mmseg's ``LoadAnnotations``
    fail on an empty file without naming it."""
    import tempfile

    from mmcv.transforms import LoadImageFromFile
    from mmseg.datasets.transforms import LoadAnnotations
    if getattr(LoadImageFromFile.transform, '__mmseg_efficient__', False):
        return 'already patched in this process'
    nameless = []
    with tempfile.TemporaryDirectory() as folder:
        sample = _loader_error_probe_sample(folder)
        for name, call in (
                ('LoadImageFromFile', LoadImageFromFile().transform),
                ('LoadAnnotations', LoadAnnotations()._load_seg_map)):
            try:
                call(dict(sample))
            except Exception as err:  # noqa: BLE001 (any error is a probe)
                if sample['img_path'] not in str(err):
                    nameless.append(f'{name} ({type(err).__name__})')
    if not nameless:
        return None
    return ('an empty or undecodable image / label file fails without its '
            'name in ' + ', '.join(nameless))


def _patch_loader_file_errors() -> bool:
    """Re-raise the loaders' nameless decode errors as ``SegDataError``
    naming the file (and saying when it is empty). mmcv's ``ignore_empty``
    still skips an unreadable image."""
    import functools

    import cv2
    from mmcv.transforms import LoadImageFromFile
    from mmseg.datasets.transforms import LoadAnnotations

    from .datasets.transforms.loading import SegDataError

    def named(what: str, key: str, method: Callable) -> Callable:

        @functools.wraps(method)
        def wrapper(self, results: dict, *args, **kwargs):
            try:
                return method(self, results, *args, **kwargs)
            except SegDataError:
                raise
            except FileNotFoundError as err:
                raise SegDataError(
                    f'{what} file not found: {results.get(key)}') from err
            except (AssertionError, AttributeError, OSError, ValueError,
                    cv2.error) as err:
                path = results.get(key)
                size = osp.getsize(path) if isinstance(
                    path, str) and osp.isfile(path) else None
                why = ('it is empty (0 bytes)' if size == 0 else
                       'corrupt or not an image')
                raise SegDataError(
                    f'Cannot decode {what.lower()} file {path} ({why})'
                ) from err

        wrapper.__mmseg_efficient__ = True
        return wrapper

    LoadImageFromFile.transform = named('Image', 'img_path',
                                        LoadImageFromFile.transform)
    LoadAnnotations._load_seg_map = named('Label', 'seg_map_path',
                                          LoadAnnotations._load_seg_map)
    return True


# ---------------------------------------------------------------------------
# 6. mmseg's get_flops.py on mmengine 0.10
# ---------------------------------------------------------------------------
def _probe_complexity_info() -> Optional[str]:
    from mmengine import analysis
    fn = analysis.get_model_complexity_info
    if getattr(fn, '__mmseg_efficient__', False):
        return ('mmengine\'s get_model_complexity_info refuses input_shape '
                'with inputs, which mmseg\'s get_flops.py passes (fixed at '
                'its import by the import hook)')
    if 'cannot be both set' not in inspect.getsource(fn):
        return None
    return ('mmengine\'s get_model_complexity_info refuses input_shape with '
            'inputs, which mmseg\'s own get_flops.py passes for every model')


def _patch_complexity_info() -> bool:
    from mmengine import analysis
    return _hook.fix_complexity_info(analysis)


# ---------------------------------------------------------------------------
# 7. mmseg's visualizer on a non-contiguous image
# ---------------------------------------------------------------------------
def _probe_visualizer_layout() -> Optional[str]:
    import cv2
    import numpy as np
    from mmseg.visualization import SegLocalVisualizer
    draw = SegLocalVisualizer._draw_sem_seg
    if getattr(draw, '__mmseg_efficient__', False):
        return 'already patched in this process'
    if 'np.zeros_like(image' not in inspect.getsource(draw):
        return None
    mask = np.zeros_like(np.zeros((4, 6, 3), np.uint8).transpose(1, 0, 2))
    try:
        cv2.rectangle(mask, (0, 0), (1, 1), (1, 1, 1), -1)
    except cv2.error:
        return ('mmseg\'s SegLocalVisualizer paints class names with OpenCV '
                'on np.zeros_like(image), which this OpenCV refuses for a '
                'non-contiguous image (mmseg\'s browse_dataset.py passes '
                'one): "Layout of the output array img is incompatible"')
    return None


def _patch_visualizer_layout() -> bool:
    import functools

    import numpy as np
    from mmseg.visualization import SegLocalVisualizer
    original = SegLocalVisualizer._draw_sem_seg

    @functools.wraps(original)
    def _draw_sem_seg(self, image, *args, **kwargs):
        return original(self, np.ascontiguousarray(image), *args, **kwargs)

    _draw_sem_seg.__mmseg_efficient__ = True
    SegLocalVisualizer._draw_sem_seg = _draw_sem_seg
    return True


# ---------------------------------------------------------------------------
# 8. torch.onnx.export's default exporter (mmdeploy)
# ---------------------------------------------------------------------------
def _probe_onnx_export_default() -> Optional[str]:
    export = getattr(getattr(torch, 'onnx', None), 'export', None)
    if export is None:
        return None
    if getattr(export, '__mmseg_efficient__', False):
        return 'already patched in this process'
    param = inspect.signature(export).parameters.get('dynamo')
    if param is None or param.default is not True:
        return None  # torch<2.9: the TorchScript exporter is the default
    return (f'torch {torch.__version__} exports ONNX with the dynamo exporter '
            'by default (it needs onnxscript, and mmdeploy\'s rewriters hook '
            'the TorchScript exporter); mmdeploy calls torch.onnx.export '
            'without dynamo=')


def _patch_onnx_export_default() -> bool:
    import functools
    original = torch.onnx.export

    @functools.wraps(original)
    def export(*args, **kwargs):
        """``torch.onnx.export`` whose ``dynamo`` defaults to False (the
        TorchScript exporter); an explicit ``dynamo=True`` is honoured."""
        kwargs.setdefault('dynamo', False)
        return original(*args, **kwargs)

    export.__mmseg_efficient__ = True
    torch.onnx.export = export
    return True


# ---------------------------------------------------------------------------
# 9. distributed validation with rank 0's buffers
# ---------------------------------------------------------------------------
def sync_buffers_for_eval(ddp_model) -> bool:
    """Give every process rank 0's buffers (BN running statistics), once
    after each training phase, before the wrapped model validates or tests.

    DDP broadcasts rank 0's buffers before each *training* forward only, and
    each process then updates its own copy: after the last step the ranks'
    BN statistics differ, rank 0 saves its own into the checkpoint, and
    mmengine's ``val_step`` / ``test_step`` evaluate each rank's share of the
    data with that rank's statistics. With this sync every process evaluates
    exactly the model the checkpoint holds.

    Returns:
        bool: Whether buffers were broadcast now.
    """
    import torch.distributed as torch_dist
    if getattr(ddp_model, '_mmseg_efficient_buffers_synced', False) or \
            not (torch_dist.is_available() and torch_dist.is_initialized()):
        return False
    group = getattr(ddp_model, 'process_group', None)
    src = 0 if group is None else torch_dist.get_global_rank(group, 0)
    with torch.no_grad():
        for buf in ddp_model.module.buffers():
            torch_dist.broadcast(buf, src=src, group=group)
    ddp_model._mmseg_efficient_buffers_synced = True
    return True


def _probe_ddp_eval_buffers() -> Optional[str]:
    from mmengine.model import MMDistributedDataParallel
    val_step = MMDistributedDataParallel.val_step
    if getattr(val_step, '__mmseg_efficient__', False):
        return 'already patched in this process'
    if 'buffer' in inspect.getsource(val_step):
        return None
    return ("mmengine's MMDistributedDataParallel.val_step/test_step use "
            "each process's own BN statistics, which drift from rank 0's "
            '(the checkpoint\'s) after training steps, so distributed '
            'validation differs from testing the saved checkpoint')


def _patch_ddp_eval_buffers() -> bool:
    from mmengine.model import MMDistributedDataParallel as DDP
    if getattr(DDP.val_step, '__mmseg_efficient__', False):
        return True
    train_step, val_step, test_step = DDP.train_step, DDP.val_step, \
        DDP.test_step

    def patched_train_step(self, data, optim_wrapper):
        self._mmseg_efficient_buffers_synced = False
        return train_step(self, data, optim_wrapper)

    def patched_val_step(self, data):
        sync_buffers_for_eval(self)
        return val_step(self, data)

    def patched_test_step(self, data):
        sync_buffers_for_eval(self)
        return test_step(self, data)

    for new, old in ((patched_train_step, train_step),
                     (patched_val_step, val_step),
                     (patched_test_step, test_step)):
        new.__mmseg_efficient__ = True
        new.__wrapped__ = old
        new.__name__ = new.__qualname__ = old.__name__
        new.__doc__ = (f'mmengine\'s {old.__name__}; evaluation uses rank '
                       '0\'s buffers (mmseg_efficient.compat.'
                       'sync_buffers_for_eval).')
        setattr(DDP, old.__name__, new)
    return True


# ---------------------------------------------------------------------------
# 10. class-weight files read without pickle / unsafe YAML
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
    'import_hook': (_probe_import_hook, _install_import_hook),
    'mmcv_ops_stub': (_probe_mmcv_ops, _silence_lite_warning),
    'safe_checkpoint_loading': (_probe_checkpoint_loader,
                                _patch_checkpoint_loader),
    'pkg_resources': (_probe_pkg_resources, check_pkg_resources),
    'weighted_cross_entropy': (_probe_cross_entropy, _patch_cross_entropy),
    'cpu_distributed': (_probe_cpu_distributed, _patch_cpu_distributed),
    'loader_file_errors': (_probe_loader_file_errors,
                           _patch_loader_file_errors),
    'complexity_info_inputs': (_probe_complexity_info,
                               _patch_complexity_info),
    'visualizer_layout': (_probe_visualizer_layout,
                          _patch_visualizer_layout),
    'onnx_export_default': (_probe_onnx_export_default,
                            _patch_onnx_export_default),
    'ddp_eval_buffers': (_probe_ddp_eval_buffers, _patch_ddp_eval_buffers),
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
