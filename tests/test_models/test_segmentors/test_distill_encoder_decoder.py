# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""DistillEncoderDecoder: a frozen teacher beside any encoder-decoder
student (SegFormer-B0 here; ESSNet-DG2 through tools/train.py)."""
import copy
import os.path as osp

import pytest
import torch
from conftest import REPO, data_root_opts, run_tool
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData

import mmseg_efficient  # noqa: F401
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg_efficient.models.segmentors import DistillEncoderDecoder
from mmseg_efficient.utils import load_config

KITTI = osp.join(REPO, 'configs', 'segformer_kitti')
B0_CWD = osp.join(
    KITTI, 'segformer_mit-b0-cwd-mit-b2_4xb2-cs-polyr-cb-ohem-ms-aux-40k_'
    'kitti-375x1242.py')
STREET_CWD = osp.join(
    KITTI, 'essnet-dg2_ups-cwd-essnet-d_1xb4-300i_streetscenes-128x256.py')
TEACHER = osp.join(REPO, 'configs', 'demo',
                   'essnet-d_ups_1xb4-600i_streetscenes-128x256.py')
BN = dict(type='BN', requires_grad=True)


def _student_cfg(tmp_path, ckpt=None):
    """The B0 <- B2 KITTI distillation config, BN, plain CE, B2 shrunk to
    B0's size for speed (it is still built from a config)."""
    cfg = load_config(B0_CWD)
    m = copy.deepcopy(cfg.model)
    m.backbone.init_cfg = None
    m.decode_head.norm_cfg = BN
    m.auxiliary_head.norm_cfg = BN
    for head in (m.decode_head, m.auxiliary_head):
        head.loss_decode.class_weight = None
    m.decode_head.sampler = None
    teacher = load_config(m.teacher_config).model
    teacher.backbone.update(embed_dims=32, num_layers=[1, 1, 1, 1])
    teacher.decode_head.in_channels = [32, 64, 160, 256]
    teacher.auxiliary_head = None
    m.teacher_config = teacher  # a model dict works as well as a file
    m.teacher_checkpoint = ckpt
    return m


def _batch(n=2, h=40, w=72):
    samples = []
    for _ in range(n):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(0, 19, (1, h, w)))
        s.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w),
                            pad_shape=(h, w)))
        samples.append(s)
    return torch.randn(n, 3, h, w), samples


def _build(cfg):
    with DefaultScope.overwrite_default_scope('mmseg'):
        return MODELS.build(cfg)


def test_teacher_frozen_hidden_and_loaded(tmp_path):
    torch.manual_seed(0)
    cfg = _student_cfg(tmp_path)
    # the teacher (with its own class-weight file) builds without anything
    model = _build(cfg)
    assert not any(k.startswith('teacher') for k in model.state_dict())
    n_student = sum(p.numel() for p in model.parameters())
    assert n_student == sum(p.numel() for n, p in model.named_parameters()
                            if not n.startswith('teacher'))
    assert all(not p.requires_grad for p in model.teacher.parameters())
    # no checkpoint: predicting works, training says what is missing
    model.eval()
    inputs, samples = _batch()
    assert model(inputs, samples, mode='predict')[0].pred_sem_seg.shape == (
        40, 72)
    model.train()
    with pytest.raises(ValueError, match='teacher_checkpoint is not set'):
        model(inputs, samples, mode='loss')

    # a trained teacher's weights: loaded by init_weights, kept frozen
    teacher = _build(
        DistillEncoderDecoder._teacher_model_cfg(cfg.teacher_config))
    for p in teacher.parameters():
        p.data.normal_()
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    cfg.teacher_checkpoint = ckpt
    model = _build(cfg)
    model.init_weights()
    model.train()
    assert not model.teacher.training
    for k, v in teacher.state_dict().items():
        torch.testing.assert_close(model.teacher.state_dict()[k], v)
    before = {k: v.clone() for k, v in model.teacher.state_dict().items()}
    losses = model(inputs, samples, mode='loss')
    assert {'decode.loss_ce', 'aux.loss_ce',
            'distill.loss_cwd'} <= set(losses)
    assert losses['distill.loss_cwd'] > 0
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert model.backbone.layers[0][0].projection.weight.grad is not None
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    opt.step()
    for k, v in model.teacher.state_dict().items():
        torch.testing.assert_close(v, before[k])
    # the distillation term alone: gradients only through the student
    model.zero_grad()
    t_logits = model.teacher_logits(inputs)
    s_logits = model._forward(inputs)
    model.distill_loss(s_logits, t_logits).backward()
    assert model.decode_head.conv_seg.weight.grad.abs().sum() > 0

    bad = copy.deepcopy(cfg)
    bad.teacher_checkpoint = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _build(bad).init_weights()


def test_normalisation_mismatch_refused(tmp_path):
    cfg = _student_cfg(tmp_path)
    cfg.teacher_config.data_preprocessor.std = [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match='std'):
        _build(cfg)


@pytest.mark.slow
def test_train_and_resume_with_tools(street_data, tmp_path):
    """ESSNet-DG2 student, ESSNet-D teacher checkpoint, tools/train.py;
    the student's checkpoint has no teacher and resumes."""
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmseg'):
        teacher = MODELS.build(load_config(TEACHER).model)
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    work = str(tmp_path / 'work')
    opts = data_root_opts(street_data) + [
        f'model.teacher_checkpoint={ckpt}', 'model.data_preprocessor.size='
        '(32,64)', 'train_dataloader.dataset.pipeline.4.crop_size=(32,64)',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        'val_dataloader.dataset.pipeline.1.scale=(128,64)',
        'default_hooks.checkpoint.interval=2', 'train_cfg.val_interval=4'
    ]
    run_tool(['tools/train.py', STREET_CWD, '--work-dir', work,
              '--cfg-options', 'train_cfg.max_iters=2'] + opts)
    state = torch.load(osp.join(work, 'iter_2.pth'), map_location='cpu',
                       weights_only=False)
    assert not [k for k in state['state_dict'] if 'teacher' in k]
    proc = run_tool(['tools/train.py', STREET_CWD, '--work-dir', work,
                     '--resume', '--cfg-options', 'train_cfg.max_iters=4'] +
                    opts)
    log = proc.stdout + proc.stderr
    assert 'resumed' in log.lower() and 'Iter(train) [4/4]' in log
    assert 'distill.loss_cwd' in log and 'mIoU' in log


def test_essnet_student_segformer_teacher_sizes_differ(tmp_path):
    """ESSNet-DG2 (full-resolution logits) learns from SegFormer logits at
    1/4 resolution (resized to the student's)."""
    torch.manual_seed(0)
    cfg = load_config(
        osp.join(KITTI, 'essnet-dg2_ups-cwd-mit-b2_4xb2-40k_kitti-375x1242.py'))
    m = copy.deepcopy(cfg.model)
    m.teacher_config = _student_cfg(tmp_path).teacher_config
    teacher = _build(
        DistillEncoderDecoder._teacher_model_cfg(m.teacher_config))
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': teacher.state_dict()}, ckpt)
    m.teacher_checkpoint = ckpt
    model = _build(m)
    model.init_weights()
    model.train()
    inputs, samples = _batch(h=40, w=72)
    assert model.teacher_logits(inputs).shape[2:] == (10, 18)
    assert model._forward(inputs).shape[2:] == (40, 72)
    losses = model(inputs, samples, mode='loss')
    assert losses['distill.loss_cwd'] > 0
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert all(p.grad is None for p in model.teacher.parameters())
