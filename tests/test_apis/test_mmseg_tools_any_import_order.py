# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""mmseg's own APIs and tools in a fresh interpreter, with nothing of ours
imported first: the import hook installed with the package
(``mmseg_efficient.pth`` -> ``_mmseg_efficient_hook``) supplies the
``mmcv.ops`` stand-ins (mmcv-lite), the checkpoint allow-list for a bare
``torch.load`` and the fix mmseg's ``get_flops.py`` needs. Each command runs
outside the repository, as a user's would."""
import glob
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import REPO, data_root_opts

import _mmseg_efficient_hook

MMSEG_TOOLS = osp.join(
    osp.dirname(__import__('mmseg').__file__), '.mim', 'tools')
DEMO_CFG = osp.join(REPO, 'configs', 'demo',
                    'essnet-d_ups_1xb4-600i_streetscenes-128x256.py')

pytestmark = pytest.mark.skipif(
    not _mmseg_efficient_hook.installed(),
    reason='mmseg_efficient.pth is not installed in this environment '
    '(pip install -e . installs it)')


def _run(args, cwd, env=None):
    env = dict(os.environ if env is None else env, OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    return proc


def _mmengine_checkpoint(model_cfg_path, path):
    """A checkpoint as mmengine's Runner writes it (HistoryBuffer, numpy)."""
    from mmengine.config import Config
    from mmengine.logging import MessageHub

    import mmseg_efficient  # noqa: F401
    from mmseg_efficient.utils import build_segmentor
    model = build_segmentor(Config.fromfile(model_cfg_path))
    hub = MessageHub.get_instance('test_tools_any_import_order')
    hub.update_scalar('train/loss', np.float64(0.5))
    torch.save(dict(meta=dict(iter=2, seed=np.int64(0)),
                    state_dict=model.state_dict(),
                    message_hub=hub.state_dict(),
                    optimizer=dict(state={}, param_groups=[])), path)


def test_inferencer_in_a_fresh_interpreter(tmp_path):
    code = ('import sys; from mmseg.apis import MMSegInferencer\n'
            'assert "mmseg_efficient" not in sys.modules\n'
            'import numpy as np\n'
            f'inf = MMSegInferencer(model={DEMO_CFG!r}, device="cpu")\n'
            'out = inf(np.zeros((90, 170, 3), np.uint8), '
            'return_datasamples=True)\n'
            'print("mask", tuple(out.pred_sem_seg.data.shape))\n')
    proc = _run(['-c', code], cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'mask (1, 90, 170)' in proc.stdout


def test_hook_can_be_turned_off(tmp_path):
    env = dict(os.environ, MMSEG_EFFICIENT_NO_COMPAT='import_hook')
    proc = _run(['-c', 'import mmseg.models'], cwd=str(tmp_path), env=env)
    # mmcv-lite: mmseg's own failure comes back; a full mmcv imports fine
    if not _mmseg_efficient_hook.mmcv_ops_compiled():
        assert proc.returncode != 0 and 'mmcv._ext' in proc.stderr


@pytest.mark.slow
def test_mmseg_get_flops_and_print_config(tmp_path):
    proc = _run([osp.join(MMSEG_TOOLS, 'analysis_tools', 'get_flops.py'),
                 DEMO_CFG, '--shape', '128', '256'], cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'Params: 0.415M' in proc.stdout
    assert 'Flops:' in proc.stdout
    proc = _run([osp.join(MMSEG_TOOLS, 'misc', 'print_config.py'),
                 DEMO_CFG], cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "type='ESSNetHead'" in proc.stdout or 'ESSNetHead' in proc.stdout


@pytest.mark.slow
def test_mmseg_browse_dataset(street_data, tmp_path):
    out = str(tmp_path / 'browse')
    proc = _run([osp.join(MMSEG_TOOLS, 'misc', 'browse_dataset.py'),
                 DEMO_CFG, '--output-dir', out, '--not-show',
                 '--cfg-options', *data_root_opts(street_data)[:1]],
                cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    # one painted picture per training image (8 in the fixture)
    painted = glob.glob(osp.join(out, '**', '*.png'), recursive=True)
    assert len(painted) == 8, painted


@pytest.mark.slow
def test_mmseg_publish_model_on_our_checkpoint(tmp_path):
    ckpt = str(tmp_path / 'iter_2.pth')
    _mmengine_checkpoint(DEMO_CFG, ckpt)
    proc = _run([osp.join(MMSEG_TOOLS, 'misc', 'publish_model.py'), ckpt,
                 str(tmp_path / 'published.pth')], cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    # publish_model renames in a background `mv`
    for _ in range(50):
        published = glob.glob(str(tmp_path / 'published-*.pth'))
        if published:
            break
        import time
        time.sleep(0.1)
    assert len(published) == 1
    from mmseg_efficient.compat import safe_torch_load
    ckpt = safe_torch_load(published[0])
    assert 'optimizer' not in ckpt and 'state_dict' in ckpt


def test_crafted_pickle_is_still_refused_by_a_bare_torch_load(tmp_path):
    """The allow-list the hook registers admits mmengine's types only."""
    marker = tmp_path / 'pwned'
    bad = str(tmp_path / 'bad.pth')
    code_save = (
        'import os, torch\n'
        'class Evil:\n'
        '    def __reduce__(self):\n'
        f'        return (os.system, ("touch {marker}",))\n'
        f'torch.save({{"meta": Evil()}}, {bad!r})\n')
    assert _run(['-c', code_save], cwd=str(tmp_path)).returncode == 0
    proc = _run(['-c', f'import torch; torch.load({bad!r})'],
                cwd=str(tmp_path))
    assert proc.returncode != 0 and 'Weights only load failed' in proc.stderr
    assert not marker.exists()
