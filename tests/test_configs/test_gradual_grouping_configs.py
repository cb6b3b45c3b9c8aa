# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Gradual-grouping configs and the deploy conversion of the ESSNet models."""
import os
import os.path as osp
import re
import textwrap

import pytest
import torch
import torch.nn as nn

import mmseg_efficient  # noqa: F401  (registration)
from mmseg_efficient.models.decode_heads import LabelDownsampleHead
from mmseg_efficient.models.layers import get_masked_convs, set_alpha

from conftest import REPO, load_tool, write_cfg  # noqa: E402


# ---------------------------------------------------------------------------
# 6. Deploy conversion of the ESSNet models (issue 3's configs)
# ---------------------------------------------------------------------------
# The grouped part of the ESSNetB / ESSNet encoder: 13 Conv-modules, two
# C x C pointwise convs each (5 at 64, 8 at 128 channels).
ESSNET_PW_WEIGHTS = 2 * (5 * 64**2 + 8 * 128**2)  # 303,104


@pytest.mark.parametrize('masked_cfg,deploy_cfg,groups', [
    ('gradual_grouping/essnet-dg2_gg-p2_ups_1xb6-75k_cityscapes-512x1024.py',
     'essnet-dg2_ups_1xb6-75k_cityscapes-512x1024.py', 2),
    (None, 'essnetb-dg8s_deconv_1xb6-75k_cityscapes-512x1024.py', 8),
])
def test_convert_essnet(masked_cfg, deploy_cfg, groups, tmp_path, capsys):
    """Masked model at alpha = 0 -> grouped checkpoint that loads (strictly)
    into the grouped-from-scratch config with the same logits and argmax
    (ESSNet-DG2 through its phase-2 config; ESSNetB-DG8S, whose shuffles
    follow the grouped convs, through its config with maskable convs)."""
    from mmseg_efficient.utils import build_segmentor, count_params, \
        load_config
    cfg_dir = osp.join(REPO, 'configs', 'essnet')
    deploy_cfg = osp.join(cfg_dir, deploy_cfg)
    if masked_cfg is None:
        masked_cfg = write_cfg(
            tmp_path, 'masked.py',
            textwrap.dedent(f'''
            _base_ = [{deploy_cfg!r}]
            model = dict(backbone=dict(pw_conv_cfg=dict(
                _delete_=True, type='MaskedGroupConv2d')))
            '''))
    else:
        masked_cfg = osp.join(cfg_dir, masked_cfg)
    torch.manual_seed(0)
    model = build_segmentor(load_config(masked_cfg), drop_auxiliary=False)
    convs = get_masked_convs(model)
    assert len(convs) == 26 and {c.target_groups for _, c in convs} == {groups}
    with torch.no_grad():  # non-trivial BN statistics
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    set_alpha(model, 0.0)
    ckpt = str(tmp_path / 'masked.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)

    tool = load_tool('tools/deploy/convert_grouped.py')
    out = str(tmp_path / 'grouped.pth')
    tool.main([
        masked_cfg, ckpt, out, '--deploy-config', deploy_cfg, '--shape', '128',
        '256'
    ])
    printed = capsys.readouterr().out
    assert printed.count('same argmax: True') == 2
    diffs = [
        float(d) for d in re.findall(r'max \|logit diff\| = (\S+),', printed)
    ]
    assert len(diffs) == 2 and max(diffs) <= 1e-4
    grouped = build_segmentor(load_config(deploy_cfg), drop_auxiliary=False)
    saved = torch.load(out, map_location='cpu')['state_dict']
    assert set(saved) == set(grouped.state_dict())
    # the grouped parameter count: (1 - 1/g) of the pointwise weights fewer
    saved_params = sum(v.numel() for k, v in saved.items()
                       if k in dict(grouped.named_parameters()))
    assert saved_params == count_params(grouped)
    assert count_params(model) - saved_params == \
        ESSNET_PW_WEIGHTS - ESSNET_PW_WEIGHTS // groups


def test_phase2_loads_phase1_encoder(tmp_path):
    """The phase-2 config initialises its backbone (alpha buffers included)
    from the phase-1 checkpoint; the phase-1 head and the decoder are not
    mixed up."""
    from mmseg_efficient.utils import build_segmentor, load_config
    gg = osp.join(REPO, 'configs', 'essnet', 'gradual_grouping')
    torch.manual_seed(0)
    p1 = build_segmentor(
        load_config(
            osp.join(gg,
                     'essnetb-dg4_gg-p1-enc_1xb6-50k_cityscapes-512x1024.py')))
    assert type(p1.decode_head).__name__ == 'LabelDownsampleHead'
    assert p1.decode_head.conv_seg.weight.shape == (19, 128, 1, 1)
    set_alpha(p1, 0.0)
    ckpt = str(tmp_path / 'iter_50000.pth')
    torch.save(dict(state_dict=p1.state_dict()), ckpt)
    cfg = load_config(
        osp.join(gg,
                 'essnetb-dg4_gg-p2_deconv_1xb6-75k_cityscapes-512x1024.py'),
        {'model.backbone.init_cfg.checkpoint': ckpt})
    p2 = build_segmentor(cfg)
    assert {float(c.alpha) for _, c in get_masked_convs(p2)} == {0.0}
    p2.init_weights()
    for key, value in p1.backbone.state_dict().items():
        assert torch.equal(p2.backbone.state_dict()[key], value), key
    assert type(p2.decode_head).__name__ == 'ERFNetHead'
    assert cfg.custom_hooks[0].type == 'LrMultiplierWindowHook'


GG_CFG_DIR = osp.join(REPO, 'configs', 'essnet', 'gradual_grouping')
GG_CONFIGS = sorted(f for f in os.listdir(GG_CFG_DIR) if f.endswith('.py'))


def test_gradual_grouping_config_set():
    """Thesis §3.5.1: ESSNetA and ESSNetB encoders (ESSNet's is ESSNetB's,
    so ESSNet-DG<n> has no phase-1 config of its own on Cityscapes)."""
    names = {n for n in GG_CONFIGS if '_cityscapes-' in n}
    encoders = [f'essnet{m}-dg{g}' for m in 'ab' for g in (2, 4, 8)]
    for model in encoders:
        assert any(n.startswith(f'{model}_gg-p1-enc_') for n in names), model
    for model in encoders + ['essnet-dg2', 'essnet-dg4']:
        assert any(n.startswith(f'{model}_gg-p2_') for n in names), model
    assert not any(n.startswith('essnet-dg') and '_gg-p1-enc_' in n
                   for n in names)


@pytest.mark.parametrize('name', GG_CONFIGS)
def test_gradual_grouping_configs(name):
    """Every config builds; phase-1 schedules reach alpha = 0 before the
    end; phase 2 loads the last checkpoint of its phase 1, freezes the
    encoder lr through per-parameter groups and keeps alpha = 0."""
    from mmseg_efficient.utils import build_segmentor, load_config
    cfg = load_config(osp.join(GG_CFG_DIR, name))
    model = build_segmentor(cfg)
    convs = get_masked_convs(model)
    assert convs or '_ups_1xb4-600i_' in name  # (a) of the street demo
    hooks = {h['type']: h for h in cfg.get('custom_hooks', [])}
    loss = cfg.model.decode_head.loss_decode
    if 'essnet' in name:
        assert len(loss.class_weight) == 19
        assert cfg.optim_wrapper.optimizer.lr == 5e-4
        assert cfg.optim_wrapper.optimizer.weight_decay == 2e-4
        assert cfg.param_scheduler[0].type == 'ReduceOnPlateauLR'
        assert cfg.param_scheduler[0].factor == 0.5
        assert cfg.model.backbone.norm_cfg.eps == 1e-3
    if '_gg-p1-enc_' in name:
        assert type(model.decode_head) is LabelDownsampleHead
        gg = hooks['GradualGroupingHook']
        assert gg.get('begin', 0) < gg.end < cfg.train_cfg.max_iters
        assert {float(c.alpha) for _, c in convs} == {1.0}
        assert not cfg.default_hooks.checkpoint.get('save_best')
    elif '_gg-p2_' in name:
        assert {float(c.alpha) for _, c in convs} == {0.0}
        assert 'LrMultiplierWindowHook' in hooks
        assert cfg.optim_wrapper.paramwise_cfg.custom_keys['backbone']
        init = cfg.model.backbone.init_cfg
        assert init.type == 'Pretrained' and init.prefix == 'backbone.'
        p1_stem = osp.basename(osp.dirname(init.checkpoint))
        p1_cfg = load_config(osp.join(GG_CFG_DIR, p1_stem + '.py'))
        # the street demo takes phase 1's latest checkpoint, the Cityscapes
        # configs phase 1's final iteration
        assert osp.basename(init.checkpoint) in (
            f'iter_{p1_cfg.train_cfg.max_iters}.pth', 'last_checkpoint')
        assert p1_cfg.model.backbone.variant == cfg.model.backbone.variant
