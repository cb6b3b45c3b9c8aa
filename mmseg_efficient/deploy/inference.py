# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""mmseg's inference API on a PyTorch checkpoint or on the ONNX file
``tools/deploy/export.py`` wrote.

:func:`init_backend_model` returns a model that ``mmseg.apis``'s
``inference_model`` and ``show_result_pyplot`` accept: mmseg's own segmentor
for ``backend='pytorch'``, an :class:`ORTSegmentor` for
``backend='onnxruntime'``, which runs the same test pipeline, data
preprocessor and post-processing around the onnxruntime session, so both
backends give masks of each image's own size, painted the same way.
"""
import copy
import warnings
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from .runtime import ort_session, run_session

__all__ = ['BACKENDS', 'ORTSegmentor', 'add_model_arguments',
           'check_model_arguments', 'config_dataset_meta',
           'init_backend_model']

BACKENDS = ('pytorch', 'onnxruntime')


def add_model_arguments(parser) -> None:
    """The model arguments of the demo scripts: CONFIG, [CHECKPOINT],
    ``--device``, ``--opacity``, ``--backend``, ``--onnx``."""
    parser.add_argument('config', help='Config file (or mmseg::path)')
    parser.add_argument(
        'checkpoint', nargs='?',
        help='Checkpoint file (optional with --backend onnxruntime: it then '
        'gives only the class names and palette)')
    parser.add_argument('--device', default='cpu',
                        help='Device of the PyTorch model')
    parser.add_argument('--opacity', type=float, default=0.5,
                        help='Opacity of the painted mask, in (0, 1]')
    parser.add_argument('--backend', choices=BACKENDS, default='pytorch')
    parser.add_argument('--onnx', help='The .onnx file of '
                        'tools/deploy/export.py (--backend onnxruntime)')


def check_model_arguments(parser, args) -> None:
    """Refuse (``parser.error``) what :func:`add_model_arguments` added
    that cannot work together."""
    if args.backend == 'pytorch' and not args.checkpoint:
        parser.error('the pytorch backend needs CHECKPOINT')
    if args.backend == 'onnxruntime' and not args.onnx:
        parser.error('--backend onnxruntime needs --onnx FILE')
    if not 0 < args.opacity <= 1:
        parser.error(f'--opacity must be in (0, 1], got {args.opacity}')


class ORTSegmentor:
    """An exported segmentor run by onnxruntime, with mmseg's pre- and
    post-processing.

    Stands in for the PyTorch segmentor in ``mmseg.apis.inference_model``
    and ``show_result_pyplot``: it carries the segmentor's ``cfg`` (whose
    test pipeline ``inference_model`` runs) and ``dataset_meta``, and its
    :meth:`test_step` runs the segmentor's data preprocessor, the ONNX
    network instead of the PyTorch one, then the decode head's
    ``predict_by_feat`` and the segmentor's ``postprocess_result`` (padding
    removed, resized to the image, argmax) -- what ``EncoderDecoder``'s
    whole-image ``predict`` does around its network.

    Args:
        segmentor (BaseSegmentor): The model built from the config (its
            weights are not used).
        onnx_file (str): The ``.onnx`` file of ``tools/deploy/export.py``
            (input 1x3xHxW, first output the logits).
        threads (int, optional): onnxruntime intra-op threads.
    """

    def __init__(self, segmentor, onnx_file: str,
                 threads: Optional[int] = None):
        mode = (segmentor.test_cfg or {}).get('mode', 'whole')
        if mode != 'whole':
            raise ValueError(
                f'{onnx_file}: the onnxruntime backend runs whole-image '
                f"inference; the config's model.test_cfg.mode is {mode!r}")
        self.segmentor = segmentor
        self.cfg = segmentor.cfg
        self.dataset_meta = getattr(segmentor, 'dataset_meta', None)
        self.onnx_file = onnx_file
        self.session = ort_session(onnx_file, threads)
        size = self.session.get_inputs()[0].shape[2:]
        # a fixed-size export takes only its own size (None: dynamic H, W)
        self.static_size = tuple(size) if all(
            isinstance(s, int) for s in size) else None

    def test_step(self, data: dict) -> list:
        """Segment a batch as ``BaseSegmentor.test_step`` does."""
        data = self.segmentor.data_preprocessor(data, False)
        samples = data['data_samples']
        logits = torch.cat([self._run(x[None]) for x in data['inputs']])
        logits = self.segmentor.decode_head.predict_by_feat(
            logits, [s.metainfo for s in samples])
        return self.segmentor.postprocess_result(logits, samples)

    def _run(self, x: torch.Tensor) -> torch.Tensor:
        if self.static_size and tuple(x.shape[2:]) != self.static_size:
            warnings.warn(
                f'{self.onnx_file} has a fixed input size {self.static_size};'
                f' the test pipeline gives {tuple(x.shape[2:])}, resized to '
                'it (export with --dynamic to run at the pipeline size)')
            x = torch.nn.functional.interpolate(
                x, self.static_size, mode='bilinear', align_corners=False)
        return torch.from_numpy(run_session(self.session, x)[0])


def config_dataset_meta(cfg: Config) -> dict:
    """``classes`` and ``palette`` of the config's test dataset, as the
    dataset itself sets them (built lazily: no data files are read)."""
    from mmseg.registry import DATASETS
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset = copy.deepcopy(cfg.test_dataloader.dataset)
    dataset.update(lazy_init=True, pipeline=[])
    meta = DATASETS.build(dataset).metainfo
    return dict(classes=meta['classes'], palette=meta['palette'])


def init_backend_model(config,
                       checkpoint: Optional[str] = None,
                       device: str = 'cpu',
                       backend: str = 'pytorch',
                       onnx_file: Optional[str] = None):
    """mmseg's ``init_model``, with a strict checkpoint load and an
    onnxruntime backend.

    Args:
        config (str | Config): Config file (``mmseg::`` paths allowed) or
            object.
        checkpoint (str, optional): Loaded strictly (a checkpoint that does
            not fit the config stops naming the keys, where mmseg's loader
            only warns); its ``meta.dataset_meta`` gives the class names and
            palette, else the config's test dataset does. Required for
            ``backend='pytorch'``.
        device (str): Device of the PyTorch model. Default: 'cpu'.
        backend (str): 'pytorch' or 'onnxruntime'. Default: 'pytorch'.
        onnx_file (str, optional): The exported model; required for
            ``backend='onnxruntime'``.

    Returns:
        The segmentor or an :class:`ORTSegmentor`, for
        ``mmseg.apis.inference_model``.
    """
    from mmseg.apis import init_model

    from ..utils import load_checkpoint_strict, load_config
    if backend not in BACKENDS:
        raise ValueError(f'backend must be one of {BACKENDS}, got '
                         f'{backend!r}')
    if backend == 'pytorch' and not checkpoint:
        raise ValueError('the pytorch backend needs a checkpoint')
    if backend == 'onnxruntime' and not onnx_file:
        raise ValueError('the onnxruntime backend needs an ONNX file '
                         '(onnx_file, the demos\' --onnx)')
    if backend == 'onnxruntime':
        device = 'cpu'
    cfg = load_config(config) if isinstance(config, str) else config
    model = init_model(cfg, None, device=device)
    meta = None
    if checkpoint:
        ckpt = load_checkpoint_strict(model, checkpoint)
        meta = ckpt.get('meta', {}).get('dataset_meta')
    model.dataset_meta = meta or config_dataset_meta(model.cfg)
    if backend == 'onnxruntime':
        return ORTSegmentor(model, onnx_file)
    return model
