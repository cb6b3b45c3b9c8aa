# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""An encoder-decoder student trained against a frozen teacher's logits."""
import copy
import os.path as osp
from typing import Optional, Union

import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import add_prefix
from torch import Tensor

from ..utils.config_helpers import (drop_class_weight_files,
                                    resolve_config_path)


@MODELS.register_module()
class DistillEncoderDecoder(EncoderDecoder):
    """mmseg's ``EncoderDecoder`` (the student) plus a frozen teacher.

    Any encoder-decoder config becomes a distillation config by setting
    ``model.type='DistillEncoderDecoder'`` and the three ``teacher_*`` /
    ``distill_loss`` keys (see ``configs/segformer_kitti``). In training the
    teacher (built from ``teacher_config``'s ``model``, weights from
    ``teacher_checkpoint``) runs in eval mode under ``torch.no_grad()`` on
    the student's normalised batch, and ``distill_loss`` compares the
    student's decode-head logits with the teacher's (resized bilinearly to
    the student's logit size when they differ); its value joins the
    student's losses as ``distill.<loss_name>``.

    The teacher is **not a registered submodule**: it is absent from
    ``state_dict()`` (checkpoints hold the student only, so they load into
    the plain student config and ``--resume`` works), from
    ``parameters()`` (the optimizer never sees it), from DDP, ``train()``
    and ``init_weights()``. It follows the student across devices
    (``_apply``). Its checkpoint is loaded by ``init_weights()`` (which the
    Runner calls before training) or at the first training step, so the
    config builds, tests and predicts without it.

    Args:
        teacher_config (str | dict): Config file (``mmseg::`` paths allowed)
            whose ``model`` is the teacher, or the teacher's model dict.
        teacher_checkpoint (str, optional): The teacher's weights. Required
            to train; ``<work_dir>/last_checkpoint`` means that run's latest
            checkpoint.
        distill_loss (dict): The distillation loss, e.g.
            ``dict(type='ChannelWiseDistillationLoss', tau=1.0,
            loss_weight=3.0)``.
        **kwargs: The student: ``EncoderDecoder``'s arguments.
    """

    def __init__(self,
                 teacher_config: Union[str, dict],
                 distill_loss: dict,
                 teacher_checkpoint: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        teacher_model = self._teacher_model_cfg(teacher_config)
        teacher = revert_sync_batchnorm(MODELS.build(teacher_model))
        teacher.requires_grad_(False)
        teacher.eval()
        self._check_normalisation(teacher)
        # a plain attribute: not a submodule (see the class docstring)
        self.__dict__['teacher'] = teacher
        self._teacher_source = (teacher_config if isinstance(
            teacher_config, str) else 'its model dict')
        self.teacher_checkpoint = teacher_checkpoint
        self._teacher_loaded = False
        self.distill_loss = MODELS.build(distill_loss)

    @classmethod
    def _teacher_model_cfg(cls, teacher_config) -> dict:
        if isinstance(teacher_config, str):
            model = Config.fromfile(
                resolve_config_path(teacher_config)).get('model')
            if model is None:
                raise KeyError(f'teacher_config {teacher_config} has no '
                               '`model`')
        elif isinstance(teacher_config, dict):
            model = copy.deepcopy(teacher_config)
        else:
            raise TypeError('teacher_config must be a config path or a '
                            f'model dict, got {type(teacher_config).__name__}')
        drop_class_weight_files(model)
        return model

    def _check_normalisation(self, teacher) -> None:
        """Both networks see the student's preprocessed batch: their mean /
        std / channel order must agree."""
        for key in ('mean', 'std'):
            s = getattr(self.data_preprocessor, key, None)
            t = getattr(teacher.data_preprocessor, key, None)
            if (s is None) != (t is None) or (
                    s is not None and not torch.allclose(s, t)):
                raise ValueError(
                    f'DistillEncoderDecoder: the teacher normalises with '
                    f'{key}={None if t is None else t.flatten().tolist()} '
                    f'but the student with '
                    f'{None if s is None else s.flatten().tolist()}')
        s_rgb = getattr(self.data_preprocessor, 'channel_conversion', None)
        t_rgb = getattr(teacher.data_preprocessor, 'channel_conversion', None)
        if s_rgb != t_rgb:
            raise ValueError('DistillEncoderDecoder: teacher and student '
                             'data_preprocessor bgr_to_rgb differ')

    def load_teacher(self) -> None:
        """Load ``teacher_checkpoint`` into the teacher (once)."""
        if self._teacher_loaded:
            return
        ckpt = self.teacher_checkpoint
        if not ckpt:
            raise ValueError(
                'DistillEncoderDecoder: model.teacher_checkpoint is not set; '
                'training needs the teacher\'s weights')
        from ..utils.stage_checkpoint_paths import resolve_latest_checkpoint
        ckpt = resolve_latest_checkpoint(ckpt, 'model.teacher_checkpoint')
        if '://' not in ckpt and not osp.isfile(ckpt):
            raise FileNotFoundError(
                f'DistillEncoderDecoder: model.teacher_checkpoint {ckpt} '
                'not found')
        from ..utils.checkpoint_loading import load_checkpoint_strict
        load_checkpoint_strict(
            self.teacher, ckpt, map_location='cpu',
            revise_keys=[(r'^module\.', ''), (r'^teacher\.', '')],
            what='DistillEncoderDecoder: the teacher checkpoint '
            '(model.teacher_checkpoint)',
            hint='The teacher is built from model.teacher_config '
            f'({self._teacher_source}): point teacher_config at the config '
            'that checkpoint was trained with, or teacher_checkpoint at a '
            'checkpoint of that config.')
        self.teacher.requires_grad_(False)
        self.teacher.eval()
        self._teacher_loaded = True

    def init_weights(self) -> None:
        super().init_weights()
        self.load_teacher()

    def _apply(self, fn, *args, **kwargs):
        super()._apply(fn, *args, **kwargs)
        if 'teacher' in self.__dict__:
            self.teacher._apply(fn, *args, **kwargs)
        return self

    def train(self, mode: bool = True):
        super().train(mode)
        if 'teacher' in self.__dict__:
            self.teacher.eval()  # always
        return self

    @torch.no_grad()
    def teacher_logits(self, inputs: Tensor) -> Tensor:
        """The teacher's decode-head logits (no post-processing)."""
        self.load_teacher()
        self.teacher.eval()
        return self.teacher._forward(inputs)

    def loss(self, inputs: Tensor, data_samples) -> dict:
        x = self.extract_feat(inputs)
        seg_logits = self.decode_head.forward(x)
        losses = add_prefix(
            self.decode_head.loss_by_feat(seg_logits, data_samples), 'decode')
        if self.with_auxiliary_head:
            losses.update(self._auxiliary_head_forward_train(x, data_samples))
        teacher = self.teacher_logits(inputs)
        if teacher.shape[1] != seg_logits.shape[1]:
            raise ValueError(
                f'DistillEncoderDecoder: the teacher predicts '
                f'{teacher.shape[1]} classes, the student '
                f'{seg_logits.shape[1]}')
        if teacher.shape[2:] != seg_logits.shape[2:]:
            teacher = resize(
                teacher,
                size=seg_logits.shape[2:],
                mode='bilinear',
                align_corners=self.align_corners)
        loss = self.distill_loss(seg_logits, teacher)
        losses[f'distill.{self.distill_loss.loss_name}'] = loss
        return losses


__all__ = ['DistillEncoderDecoder']
