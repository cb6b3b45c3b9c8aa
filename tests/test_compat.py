# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The compatibility layer: each fix does what it says, and only when needed."""
import importlib.util
import os
import subprocess
import os.path as osp
import sys
import types

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import REPO

import mmseg_efficient  # noqa: F401
from mmseg_efficient import compat


def test_mmseg_imports_on_this_stack():
    import mmseg.apis  # noqa: F401
    import mmseg.models  # noqa: F401
    from mmseg.registry import MODELS
    assert MODELS.get('ERFNet') is not None
    assert compat.APPLIED['safe_checkpoint_loading']
    assert compat.APPLIED['weighted_cross_entropy']
    assert compat.APPLIED['cpu_distributed']


def _full_mmcv_installed():
    try:
        import mmcv._ext  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(_full_mmcv_installed(), reason='full mmcv: no stub')
def test_mmcv_ops_stub_is_active_on_mmcv_lite():
    import mmcv.ops
    assert compat.APPLIED['mmcv_ops_stub']
    assert mmcv.ops.__mmseg_efficient_stub__
    # mmseg's own fallbacks apply: the heads that need compiled ops refuse
    # clearly at build time instead of breaking `import mmseg.models`.
    assert mmcv.ops.CrissCrossAttention is None
    assert mmcv.ops.PSAMask is None
    from mmseg.models.decode_heads import CCHead
    with pytest.raises(RuntimeError, match='mmcv'):
        CCHead(in_channels=8, channels=4, num_classes=2)


@pytest.mark.skipif(_full_mmcv_installed(), reason='full mmcv: no stub')
def test_point_sample_stand_in_matches_grid_sample():
    import mmcv.ops
    feats = torch.randn(2, 3, 5, 7)
    points = torch.rand(2, 11, 2)
    out = mmcv.ops.point_sample(feats, points, align_corners=False)
    ref = F.grid_sample(
        feats, (2 * points - 1).unsqueeze(2), align_corners=False)[..., 0]
    assert out.shape == (2, 3, 11)
    torch.testing.assert_close(out, ref)


def test_sigmoid_focal_loss_matches_mmseg_python_version():
    from mmseg.models.losses.focal_loss import py_sigmoid_focal_loss
    torch.manual_seed(0)
    logits = torch.randn(40, 5)
    target = torch.randint(0, 6, (40, ))  # 5 == background
    ours = compat.sigmoid_focal_loss(logits, target, 2.0, 0.25, None, 'none')
    one_hot = F.one_hot(target, 6)[:, :5].float()
    ref = py_sigmoid_focal_loss(
        logits, one_hot, gamma=2.0, alpha=0.25, reduction='none')
    torch.testing.assert_close(ours, ref)
    assert ours.mean().item() == pytest.approx(
        compat.sigmoid_focal_loss(logits, target).item())


def test_stub_not_installed_when_real_ops_exist(monkeypatch):
    """With a full mmcv (simulated by a real-looking ``mmcv.ops``), the
    layer leaves it untouched."""
    real = types.ModuleType('mmcv.ops')
    monkeypatch.setitem(sys.modules, 'mmcv.ops', real)
    assert compat._install_mmcv_ops_stub() is False
    assert sys.modules['mmcv.ops'] is real


# ---------------------------------------------------------------------------
# checkpoints: weights_only=True with mmengine's types allow-listed
# ---------------------------------------------------------------------------
def _mmengine_style_checkpoint(path):
    from mmengine.logging import MessageHub
    hub = MessageHub.get_instance('test_compat_ckpt')
    hub.update_scalar('train/loss', np.float64(0.5))
    hub.update_scalar('train/lr', 0.01)
    hub.update_info('iter', 3)
    ckpt = dict(
        meta=dict(iter=40, epoch=0, seed=np.int64(7),
                  mmengine_version='0.10.7'),
        state_dict={'w': torch.ones(2, 2)},
        message_hub=hub.state_dict(),
        optimizer={'state': {}, 'param_groups': [{'lr': 0.01}]},
        param_schedulers=[{'last_step': 40, 'base_values': [0.01]}])
    torch.save(ckpt, path)


def test_mmengine_checkpoint_loads_weights_only(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint
    path = str(tmp_path / 'iter_40.pth')
    _mmengine_style_checkpoint(path)
    ckpt = _load_checkpoint(path, map_location='cpu')
    assert ckpt['meta']['iter'] == 40
    assert ckpt['message_hub']['log_scalars']['train/loss'].current() == 0.5
    torch.testing.assert_close(ckpt['state_dict']['w'], torch.ones(2, 2))


class _Evil:
    marker = None

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_checkpoint_with_foreign_pickle_is_refused(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint
    marker = tmp_path / 'pwned'
    evil = _Evil()
    evil.marker = str(marker)
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'meta': evil}, path)
    with pytest.raises(compat.UnsafeCheckpointError) as info:
        _load_checkpoint(path, map_location='cpu')
    assert path in str(info.value)
    assert 'system' in str(info.value)
    assert not marker.exists()


def test_missing_checkpoint_names_the_file(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _load_checkpoint(missing)


# ---------------------------------------------------------------------------
# class-weighted cross-entropy with ignore index 255
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('avg_non_ignore', [True, False])
def test_class_weighted_ce_with_ignore_index(avg_non_ignore):
    from mmseg.models.losses import CrossEntropyLoss
    torch.manual_seed(0)
    weight = [0.5 + 0.1 * i for i in range(19)]
    loss_fn = CrossEntropyLoss(class_weight=weight,
                               avg_non_ignore=avg_non_ignore)
    pred = torch.randn(2, 19, 8, 8)
    label = torch.randint(0, 19, (2, 8, 8))
    label[:, :2] = 255
    loss = loss_fn(pred, label, ignore_index=255)
    ref = F.cross_entropy(pred, label, weight=torch.tensor(weight),
                          ignore_index=255)
    torch.testing.assert_close(loss, ref)


def test_unweighted_ce_keeps_mmseg_semantics():
    """Without class weights mmseg's own averaging is untouched."""
    from mmseg.models.losses import CrossEntropyLoss
    pred = torch.randn(1, 19, 4, 4)
    label = torch.randint(0, 19, (1, 4, 4))
    label[0, 0] = 255
    loss = CrossEntropyLoss(avg_non_ignore=False)(pred, label,
                                                  ignore_index=255)
    per_pixel = F.cross_entropy(pred, label, ignore_index=255,
                                reduction='none')
    torch.testing.assert_close(loss, per_pixel.sum() / label.numel())


# ---------------------------------------------------------------------------
# mmseg:: config paths (pkg_resources) and CPU distributed set-up
# ---------------------------------------------------------------------------
def test_mmseg_package_base_paths_resolve():
    from mmseg_efficient.utils import load_config
    cfg = load_config(
        osp.join(REPO, 'configs', 'demo',
                 'erfnet_fcn_1xb4-600i_streetscenes-128x256.py'))
    assert cfg.model.backbone.type == 'ERFNet'  # from mmseg::_base_
    direct = load_config(
        'mmseg::erfnet/erfnet_fcn_4xb4-160k_cityscapes-512x1024.py')
    assert direct.model.decode_head.type == 'FCNHead'


def test_missing_config_names_the_path():
    from mmseg_efficient.utils import load_config
    with pytest.raises(FileNotFoundError, match='no_such_config.py'):
        load_config('configs/no_such_config.py')
    with pytest.raises(FileNotFoundError, match='nope/none.py'):
        load_config('mmseg::nope/none.py')


def test_cpu_ddp_wrapper_drops_device_ids_and_syncbn(tmp_path):
    import torch.distributed as dist
    from mmengine.runner import runner as runner_mod
    wrapper_cls = runner_mod.MMDistributedDataParallel
    assert wrapper_cls.__name__ == 'CPUCompatibleDistributedDataParallel'
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/pg',
                            rank=0, world_size=1)
    try:
        module = torch.nn.Sequential(
            torch.nn.Conv2d(3, 4, 3), torch.nn.SyncBatchNorm(4))
        wrapped = wrapper_cls(module=module, device_ids=[0])
        assert wrapped.device_ids is None
        bn = wrapped.module[1]
        assert isinstance(bn, torch.nn.modules.batchnorm._BatchNorm)
        assert not isinstance(bn, torch.nn.SyncBatchNorm)
        out = wrapped(torch.randn(2, 3, 8, 8))
        assert out.shape == (2, 4, 6, 6)
    finally:
        dist.destroy_process_group()


# ---------------------------------------------------------------------------
# probes, APPLIED reasons and the MMSEG_EFFICIENT_NO_COMPAT switch
# ---------------------------------------------------------------------------
def test_every_applied_fix_states_its_reason():
    assert set(compat.APPLIED) | set(compat.SKIPPED) == set(compat.PATCHES)
    for name, reason in compat.APPLIED.items():
        assert isinstance(reason, str) and len(reason) > 20, name


def _fixed_cross_entropy(pred, label, weight=None, class_weight=None,
                         reduction='mean', avg_factor=None,
                         ignore_index=-100, avg_non_ignore=False):
    return F.cross_entropy(pred, label, weight=class_weight,
                           ignore_index=ignore_index)


def _init_dist_without_cuda(backend, init_backend='torch', **kwargs):
    return None


def _load_with_weights_only(filename, map_location):
    return torch.load(filename, map_location=map_location, weights_only=True)


@pytest.mark.parametrize('probe,module,attr,fixed', [
    ('_probe_cross_entropy', 'mmseg.models.losses.cross_entropy_loss',
     'cross_entropy', _fixed_cross_entropy),
    ('_probe_cpu_distributed', 'mmengine.dist.utils', '_init_dist_pytorch',
     _init_dist_without_cuda),
    ('_probe_checkpoint_loader', 'mmengine.runner.checkpoint',
     'load_from_local', _load_with_weights_only),
])
def test_probe_leaves_a_fixed_upstream_alone(monkeypatch, probe, module, attr,
                                             fixed):
    """With the upstream bug fixed (simulated), the probe says so and the
    fix would not be applied."""
    import importlib
    monkeypatch.setattr(importlib.import_module(module), attr, fixed)
    assert getattr(compat, probe)() is None


def test_probes_find_the_bugs_of_this_stack():
    from mmseg.models.losses import cross_entropy_loss as ce_mod
    original = ce_mod.cross_entropy.__wrapped__
    with pytest.raises(IndexError):
        original(torch.zeros(1, 2, 1, 2), torch.tensor([[[0, 255]]]),
                 class_weight=torch.ones(2), ignore_index=255)


def test_unknown_no_compat_name_is_refused(monkeypatch):
    monkeypatch.setenv('MMSEG_EFFICIENT_NO_COMPAT', 'cpu_distributed,bogus')
    with pytest.raises(ValueError, match='bogus') as err:
        compat.disabled_patches()
    assert 'weighted_cross_entropy' in str(err.value)  # lists the known
    monkeypatch.setenv('MMSEG_EFFICIENT_NO_COMPAT', 'all')
    assert compat.disabled_patches() == set(compat.PATCHES)


@pytest.mark.slow
def test_no_compat_switch_turns_a_fix_off():
    code = ('import torch, mmseg_efficient\n'
            'from mmseg_efficient import compat\n'
            'from mmseg.models.losses import cross_entropy_loss as ce\n'
            "print(sorted(compat.APPLIED), compat.SKIPPED['weighted_cross_entropy'])\n"
            'try:\n'
            '    ce.cross_entropy(torch.zeros(1, 2, 1, 2),\n'
            '                     torch.tensor([[[0, 255]]]),\n'
            '                     class_weight=torch.ones(2), ignore_index=255)\n'
            'except IndexError:\n'
            "    print('upstream bug visible')\n")
    env = dict(os.environ, MMSEG_EFFICIENT_NO_COMPAT='weighted_cross_entropy',
               PYTHONPATH=REPO)
    proc = subprocess.run([sys.executable, '-c', code], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert 'weighted_cross_entropy' not in proc.stdout.splitlines()[0]
    assert 'turned off by MMSEG_EFFICIENT_NO_COMPAT' in proc.stdout
    assert 'upstream bug visible' in proc.stdout


# ---------------------------------------------------------------------------
# torch.onnx.export: the TorchScript exporter by default (mmdeploy)
# ---------------------------------------------------------------------------
def test_onnx_export_defaults_to_the_torchscript_exporter():
    import inspect
    import io
    if 'onnx_export_default' not in compat.APPLIED:
        pytest.skip(compat.SKIPPED['onnx_export_default'])
    assert inspect.signature(
        torch.onnx.export.__wrapped__).parameters['dynamo'].default is True
    buf = io.BytesIO()
    # mmdeploy's call: no dynamo= (the dynamo exporter needs onnxscript)
    torch.onnx.export(torch.nn.Conv2d(3, 2, 1), (torch.rand(1, 3, 4, 4), ),
                      buf, opset_version=13)
    import onnx
    model = onnx.load_from_string(buf.getvalue())
    assert [n.op_type for n in model.graph.node] == ['Conv']
    # an explicit dynamo=True is honoured (it needs onnxscript)
    if importlib.util.find_spec('onnxscript') is None:
        with pytest.raises(ImportError, match='onnxscript'):
            torch.onnx.export(torch.nn.Conv2d(3, 2, 1),
                              (torch.rand(1, 3, 4, 4), ), io.BytesIO(),
                              dynamo=True)
