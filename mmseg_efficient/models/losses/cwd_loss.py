# Copyright (c) mmseg_efficient contributors. All rights reserved.
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS


@MODELS.register_module()
class ChannelWiseDistillationLoss(nn.Module):
    """Channel-wise distillation of dense logits.

    `Channel-wise Knowledge Distillation for Dense Prediction
    <https://arxiv.org/abs/2011.13256>`_ (Shu et al., ICCV 2021): each
    channel's activation map is turned into a distribution over the spatial
    locations by a softmax with temperature ``tau``, and the student's
    distribution is pulled towards the teacher's with the KL divergence::

        L = tau^2 / (N * C) * sum_{n,c} sum_i p_T(i) * log(p_T(i) / p_S(i)),
        p(i) = softmax_i(y_{n,c,i} / tau)

    Args:
        tau (float): Temperature. Default: 1.0 (the paper's value for
            logits is 1-4; mmrazor's CWD configs use 1).
        loss_weight (float): Weight of the loss (the paper's alpha, 3 for
            logits on Cityscapes). Default: 1.0.
        loss_name (str): Key of the loss in the loss dict; must contain
            ``loss`` to be optimised. Default: 'loss_cwd'.
    """

    def __init__(self,
                 tau: float = 1.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_cwd') -> None:
        super().__init__()
        if not tau > 0:
            raise ValueError(f'tau must be > 0, got {tau}')
        self.tau = tau
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, student: torch.Tensor,
                teacher: torch.Tensor) -> torch.Tensor:
        """Args: ``student``, ``teacher``: logits (N, C, H, W) of the same
        shape (the teacher's carry no gradient)."""
        if student.shape != teacher.shape or student.dim() != 4:
            raise ValueError(
                'ChannelWiseDistillationLoss needs student and teacher logits '
                f'of the same (N, C, H, W) shape, got {tuple(student.shape)} '
                f'and {tuple(teacher.shape)}')
        n, c = student.shape[:2]
        s = student.reshape(n * c, -1) / self.tau
        t = teacher.detach().reshape(n * c, -1) / self.tau
        p_t = F.softmax(t, dim=1)
        kl = (p_t * (F.log_softmax(t, dim=1) - F.log_softmax(s, dim=1))).sum()
        return self.loss_weight * kl * self.tau**2 / (n * c)

    @property
    def loss_name(self) -> str:
        return self._loss_name
