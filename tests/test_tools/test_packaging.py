# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The package as OpenMMLab's ``mim`` sees it: a wheel that carries
``mmseg_efficient/.mim`` (configs, tools, model-index.yml), and ``mim
train`` / ``mim run`` / ``mim search`` on a non-editable install."""
import glob
import importlib.util
import os
import os.path as osp
import shutil
import subprocess
import sys
import zipfile

import pytest
import yaml
from conftest import REPO, data_root_opts

DEMO = 'essnet-d_ups_1xb4-600i_streetscenes-128x256.py'
# what setup.py and MANIFEST.in read, copied so that a build never touches
# the checkout (an editable install's .mim links stay as they are)
# (the import hook files where the checkout has them)
SOURCES = ('setup.py', 'MANIFEST.in', 'README.md', 'CHANGELOG.md',
           'model-index.yml', 'requirements', 'mmseg_efficient', 'configs',
           'tools', 'mmseg_efficient.pth', '_mmseg_efficient_hook.py')


def _build_wheel(out_dir):
    src = osp.join(out_dir, 'src')
    os.makedirs(src)
    ignore = shutil.ignore_patterns('__pycache__', '*.pyc', '.mim',
                                    '*.egg-info')
    for name in SOURCES:
        path = osp.join(REPO, name)
        if osp.isdir(path):
            shutil.copytree(path, osp.join(src, name), ignore=ignore)
        elif osp.exists(path):
            shutil.copy(path, src)
    proc = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps',
         '--no-build-isolation', '-q', '-w', osp.join(out_dir, 'dist'), src],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = glob.glob(osp.join(out_dir, 'dist', 'mmseg_efficient-*.whl'))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    return _build_wheel(str(tmp_path_factory.mktemp('wheel')))


def _repo_files(folder, suffixes):
    found = set()
    for dirpath, _, files in os.walk(osp.join(REPO, folder)):
        if '__pycache__' in dirpath:
            continue
        for f in files:
            if f.endswith(suffixes):
                found.add(
                    osp.relpath(osp.join(dirpath, f), REPO).replace(
                        os.sep, '/'))
    return found


def test_model_index_imports_every_metafile():
    with open(osp.join(REPO, 'model-index.yml')) as f:
        imports = set(yaml.safe_load(f)['Import'])
    assert imports == _repo_files('configs', ('metafile.yaml', ))


def test_wheel_carries_configs_tools_and_model_index(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    mim = 'mmseg_efficient/.mim/'
    assert mim + 'model-index.yml' in names
    # every config, metafile and README, every tool, nothing compiled
    for path in _repo_files('configs', ('.py', '.yaml', '.md')) | \
            _repo_files('tools', ('.py', '.sh')):
        assert mim + path in names, f'{path} is not in {wheel}'
    for tool in ('tools/train.py', 'tools/test.py',
                 'tools/analysis_tools/get_flops.py'):
        assert mim + tool in names
    assert not [n for n in names if '__pycache__' in n or n.endswith('.pyc')]
    # the package itself and its metadata
    assert 'mmseg_efficient/__init__.py' in names
    assert 'mmseg_efficient/compat.py' in names
    # the model index inside the wheel imports files the wheel carries
    with zipfile.ZipFile(wheel) as z:
        index = yaml.safe_load(z.read(mim + 'model-index.yml'))
        for metafile in index['Import']:
            assert mim + metafile in names
            models = yaml.safe_load(z.read(mim + metafile))['Models']
            for model in models:
                assert mim + model['Config'] in names, model['Config']


def test_bare_config_name_resolves_to_the_package_config():
    from mmseg_efficient.utils import resolve_config_path
    resolved = resolve_config_path(DEMO)
    # the checkout's configs, or an installed package's .mim copy of them
    assert resolved.replace(os.sep, '/').endswith('configs/demo/' + DEMO)
    assert osp.isfile(resolved)
    with pytest.raises(FileNotFoundError, match='no_such_config.py'):
        resolve_config_path('no_such_config.py')


@pytest.fixture(scope='module')
def installed(wheel, tmp_path_factory):
    """The wheel installed with ``pip --target``, as a non-editable install
    (its own ``.mim`` copy, not the checkout)."""
    site = str(tmp_path_factory.mktemp('site'))
    proc = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '-q', '--no-deps',
         '--target', site, wheel], capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return site


def _mim(site, cwd, *args, timeout=600):
    path = [site] + [
        p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep)
        if p and osp.realpath(p) != osp.realpath(REPO)
    ]
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(path), OMP_NUM_THREADS='1',
        PYTHONUNBUFFERED='1')
    proc = subprocess.run([sys.executable, '-m', 'mim', *args], cwd=cwd,
                          env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, (
        f'mim {" ".join(args)} failed:\n{proc.stdout[-3000:]}\n'
        f'{proc.stderr[-3000:]}')
    return proc.stdout + proc.stderr


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec('mim') is None,
    reason='openmim is not installed (requirements/tests.txt)')
def test_mim_train_run_and_search_on_a_wheel_install(installed, street_data,
                                                     tmp_path):
    site = installed
    work_dir = str(tmp_path / 'work')
    out = _mim(site, str(tmp_path), 'train', 'mmseg_efficient', DEMO,
               '--work-dir', work_dir, '--cfg-options',
               *data_root_opts(street_data), 'train_cfg.max_iters=2',
               'train_cfg.val_interval=2', 'param_scheduler.0.end=2')
    mim_dir = osp.join(site, 'mmseg_efficient', '.mim')
    assert osp.join(mim_dir, 'tools', 'train.py') in out
    assert osp.join(mim_dir, 'configs', 'demo', DEMO) in out
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))

    out = _mim(site, str(tmp_path), 'run', 'mmseg_efficient', 'get_flops',
               DEMO, '--shape', '128', '256')
    assert osp.join(mim_dir, 'tools', 'analysis_tools',
                    'get_flops.py') in out
    assert '414,895' in out or '0.415' in out, out[-2000:]

    out = _mim(site, str(tmp_path), 'search', 'mmseg_efficient', '--model',
               'essnet')
    assert 'config id: essnet-d_ups_1xb6-75k_cityscapes-512x1024' in out
