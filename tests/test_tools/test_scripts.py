# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Every shell tool uses the project's interpreter rule (tools/_python.sh),
and every experiment script takes --iters and --seeds."""
import glob
import os.path as osp
import re
import subprocess

import pytest
from conftest import REPO

SHELL_TOOLS = sorted(glob.glob(osp.join(REPO, 'tools', '**', '*.sh'),
                               recursive=True))
EXPERIMENTS = sorted(
    p for p in glob.glob(osp.join(REPO, 'tools', 'experiments', '*'))
    if p.endswith(('.py', '.sh')) and not osp.basename(p).startswith('_'))
# latency benchmarks of untrained networks: no training, nothing to seed
# speed measurements, not accuracy: no seeds
NOT_TRAINING = {'deploy_targets.py', 'resident_runners.py',
                'cpu_train_speed.py'}
BARE_PYTHON = re.compile(r'(^|[\s;|&(])python3?\s+-?\w', re.M)


@pytest.mark.parametrize(
    'path', [p for p in SHELL_TOOLS if not osp.basename(p).startswith('_')],
    ids=osp.basename)
def test_shell_tools_follow_the_interpreter_rule(path):
    with open(path) as f:
        text = f.read()
    code = '\n'.join(line for line in text.splitlines()
                     if not line.lstrip().startswith('#'))
    assert '_python.sh' in code, f'{path} does not source tools/_python.sh'
    assert not BARE_PYTHON.search(code), (
        f'{path} runs python from PATH: {BARE_PYTHON.search(code).group()}')


@pytest.mark.parametrize('path', EXPERIMENTS, ids=osp.basename)
def test_experiments_take_iters_and_seeds(path):
    if osp.basename(path) in NOT_TRAINING:
        pytest.skip('not a training experiment')
    with open(path) as f:
        text = f.read()
    if path.endswith('.py'):
        assert "'--iters'" in text and "'--seeds'" in text
    else:
        assert '_options.sh"' in text or 'experiments/_options.sh' in text


def test_shell_options_parser():
    script = ('ITERS=300; SEEDS="0 1 2"; . tools/experiments/_options.sh; '
              'echo "$ITERS|$SEEDS|$*"')
    out = subprocess.run(
        ['bash', '-c', script, 'x', '--seeds', '3', '4', '/tmp/out',
         '--iters', '20'], cwd=REPO, capture_output=True, text=True,
        check=True).stdout.strip()
    assert out == '20|3 4|/tmp/out'
    out = subprocess.run(['bash', '-c', script, 'x'], cwd=REPO,
                         capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == '300|0 1 2|'


def test_python_rule_prefers_the_active_venv(tmp_path):
    env = {'PATH': '/usr/bin:/bin', 'VIRTUAL_ENV': str(tmp_path)}
    out = subprocess.run(
        ['bash', '-c', '. tools/_python.sh; echo "$PYTHON"'], cwd=REPO,
        env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert out.endswith('python') or out.endswith('python3')
    env['PYTHON'] = '/opt/py/bin/python'
    out = subprocess.run(
        ['bash', '-c', '. tools/_python.sh; echo "$PYTHON"'], cwd=REPO,
        env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert out == '/opt/py/bin/python'
