# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Issue 8 items 1, 2 and 5 (in-process): strict loading, files that are not
checkpoints, atomic saves, and the checkpoint ``--resume`` picks."""
import hashlib
import logging
import os
import os.path as osp

import pytest
import torch
from torch import nn

import mmseg_efficient  # noqa: F401
from mmseg_efficient.compat import UnsafeCheckpointError, safe_torch_load
from mmseg_efficient.utils import (CheckpointMismatchError,
                                   NotACheckpointError, ResumeError,
                                   find_resume_checkpoint,
                                   load_checkpoint_strict,
                                   warn_existing_checkpoints)


class Net(nn.Module):
    """A segmentor-shaped toy: backbone, decode_head, auxiliary_head."""

    def __init__(self, width=4):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, width, 3), nn.BatchNorm2d(
            width))
        self.decode_head = nn.Conv2d(width, 2, 1)
        self.auxiliary_head = nn.Conv2d(width, 2, 1)


def _digest(folder):
    """name -> sha1 of every file under ``folder``."""
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = osp.join(root, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, folder)] = hashlib.sha1(
                    f.read()).hexdigest()
    return out


# -- item 1 ----------------------------------------------------------------
def test_plain_state_dict_that_fits_loads(tmp_path):
    src, dst = Net(), Net()
    path = str(tmp_path / 'plain.pth')
    torch.save(src.state_dict(), path)  # no 'state_dict'/'meta' wrapper
    load_checkpoint_strict(dst, path)
    for k, v in src.state_dict().items():
        assert torch.equal(v, dst.state_dict()[k]), k
    # the mmengine layout, with a DDP-style 'module.' prefix, too
    torch.save(dict(meta={}, state_dict={
        'module.' + k: v for k, v in src.state_dict().items()}), path)
    load_checkpoint_strict(Net(), path)


def test_checkpoint_that_does_not_fit_is_refused(tmp_path):
    # backbone-only state dict: the decode head is missing
    path = str(tmp_path / 'backbone_only.pth')
    torch.save({f'backbone.{k}': v
                for k, v in Net().backbone.state_dict().items()}, path)
    model = Net()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(CheckpointMismatchError) as info:
        load_checkpoint_strict(model, path)
    msg = str(info.value)
    assert path in msg and '--allow-partial-checkpoint' in msg
    assert "4 of the model's 11 keys are missing" in msg
    assert 'decode_head.weight' in msg
    assert all(torch.equal(v, model.state_dict()[k])
               for k, v in before.items())  # nothing was loaded
    # another architecture (other widths): shapes listed with their count
    other = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict=Net(width=6).state_dict()), other)
    with pytest.raises(CheckpointMismatchError,
                       match=r'8 have another shape \(backbone.0.weight: '
                       r'checkpoint \(6, 3, 3, 3\), model \(4, 3, 3, 3\)'):
        load_checkpoint_strict(Net(), other)
    # opting out loads what fits
    model = Net()
    load_checkpoint_strict(model, path, allow_partial=True)
    assert not torch.equal(model.backbone[0].weight,
                           before['backbone.0.weight'])


def test_ignored_prefix_may_be_absent(tmp_path):
    sd = {k: v for k, v in Net().state_dict().items()
          if not k.startswith('auxiliary_head.')}
    path = str(tmp_path / 'no_aux.pth')
    torch.save(sd, path)
    with pytest.raises(CheckpointMismatchError, match='auxiliary_head'):
        load_checkpoint_strict(Net(), path)
    load_checkpoint_strict(Net(), path, ignore_prefixes=('auxiliary_head.', ))


# -- item 2 ----------------------------------------------------------------
def _make_bad(kind, path):
    if kind == 'empty':
        open(path, 'wb').close()
    elif kind == 'text':
        with open(path, 'w') as f:
            f.write('version https://git-lfs.github.com/spec/v1\n'
                    'oid sha256:0123\nsize 8400000\n')
    elif kind == 'html':
        with open(path, 'w') as f:
            f.write('<!DOCTYPE html>\n<html><head><title>Sign in</title>'
                    '</head><body>...</body></html>\n')
    elif kind == 'truncated':
        torch.save(Net().state_dict(), path)
        data = open(path, 'rb').read()
        with open(path, 'wb') as f:
            f.write(data[:len(data) // 2])


@pytest.mark.parametrize('kind,match', [
    ('empty', 'is empty \\(0 bytes\\)'),
    ('text', 'is a text file .*git-lfs'),
    ('html', 'is an HTML page'),
    ('truncated', 'is truncated or corrupt'),
])
def test_files_that_are_not_checkpoints_are_named(tmp_path, kind, match):
    path = str(tmp_path / f'{kind}.pth')
    _make_bad(kind, path)
    with pytest.raises(NotACheckpointError, match=match) as info:
        safe_torch_load(path)  # what mmengine's loader calls
    assert path in str(info.value)
    assert not isinstance(info.value, UnsafeCheckpointError)
    # the tools' loader says the same
    with pytest.raises(NotACheckpointError, match=match):
        load_checkpoint_strict(Net(), path)


# -- item 5: atomic saves --------------------------------------------------
class _Explodes:
    def __reduce__(self):
        raise RuntimeError('killed during the write')


def test_checkpoint_saves_are_atomic(tmp_path):
    from mmengine.runner import checkpoint as ckpt_mod
    from mmengine.runner import runner as runner_mod
    # what CheckpointHook -> Runner.save_checkpoint calls
    assert runner_mod.save_checkpoint is ckpt_mod.save_checkpoint
    assert getattr(runner_mod.save_checkpoint, '__mmseg_efficient__', False)
    path = str(tmp_path / 'iter_2.pth')
    runner_mod.save_checkpoint(dict(state_dict=Net().state_dict()), path)
    before = _digest(tmp_path)
    big = dict(state_dict={f'w{i}': torch.zeros(256, 256)
                           for i in range(8)}, boom=_Explodes())
    with pytest.raises(RuntimeError, match='killed during the write'):
        runner_mod.save_checkpoint(big, path)
    assert _digest(tmp_path) == before  # old file intact, no temp file left
    safe_torch_load(path)


# -- item 5: which checkpoint --resume picks -------------------------------
def _work_dir(tmp_path, iters=(2, 4)):
    work = tmp_path / 'work'
    work.mkdir()
    for i in iters:
        torch.save(dict(meta=dict(iter=i), state_dict=Net().state_dict()),
                   str(work / f'iter_{i}.pth'))
    return str(work)


def _logger():
    logger = logging.getLogger('resume-test')
    logger.setLevel(logging.INFO)
    return logger


def test_resume_without_last_checkpoint_takes_newest(tmp_path, caplog):
    work = _work_dir(tmp_path)
    with caplog.at_level(logging.WARNING, logger='resume-test'):
        got = find_resume_checkpoint(work, logger=_logger())
    assert got == osp.join(work, 'iter_4.pth')
    assert 'last_checkpoint does not exist' in caplog.text


def test_resume_skips_truncated_newest_and_empty_marker(tmp_path, caplog):
    work = _work_dir(tmp_path)
    _make_bad('truncated', osp.join(work, 'iter_4.pth'))
    open(osp.join(work, 'last_checkpoint'), 'w').close()  # empty
    before = _digest(work)
    with caplog.at_level(logging.WARNING, logger='resume-test'):
        got = find_resume_checkpoint(work, logger=_logger())
    assert got == osp.join(work, 'iter_2.pth')
    assert f'skipping {osp.join(work, "iter_4.pth")}' in caplog.text
    assert 'is empty' in caplog.text
    assert _digest(work) == before  # nothing deleted or rewritten


def test_resume_dangling_marker(tmp_path):
    work = _work_dir(tmp_path)
    marker = osp.join(work, 'last_checkpoint')
    # the work dir was moved: the absolute path is stale, the name is not
    with open(marker, 'w') as f:
        f.write('/moved/away/work/iter_2.pth')
    assert find_resume_checkpoint(work) == osp.join(work, 'iter_2.pth')
    with open(marker, 'w') as f:
        f.write(osp.join(work, 'iter_9.pth'))  # deleted by hand
    assert find_resume_checkpoint(work) == osp.join(work, 'iter_4.pth')


def test_resume_refuses_when_no_checkpoint_loads(tmp_path):
    work = _work_dir(tmp_path)
    for i in (2, 4):
        _make_bad('truncated', osp.join(work, f'iter_{i}.pth'))
    with pytest.raises(ResumeError, match='none of the 2 checkpoints'):
        find_resume_checkpoint(work)
    # an empty work dir is a first run started with --resume
    assert find_resume_checkpoint(str(tmp_path / 'fresh')) is None


def test_fresh_run_over_checkpoints_warns(tmp_path, caplog):
    work = _work_dir(tmp_path)
    with caplog.at_level(logging.WARNING, logger='resume-test'):
        found = warn_existing_checkpoints(work, logger=_logger())
    assert [osp.basename(p) for p in found] == ['iter_4.pth', 'iter_2.pth']
    assert 'starts from iteration 1 and will overwrite' in caplog.text
    assert '--resume' in caplog.text
    assert warn_existing_checkpoints(str(tmp_path / 'fresh')) == []
