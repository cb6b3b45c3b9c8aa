# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Runs that must not be lost or silently wrong, in-process: which
checkpoint ``--resume`` picks in a copied work dir, what a killed save
leaves behind, a save on a full disk, crafted checkpoints that reach
``exec`` / ``__import__`` through ``getattr``, and 2-process validation with
rank-local BN statistics."""
import errno
import logging
import os
import os.path as osp
import shutil
import socket
from collections import OrderedDict

import numpy as np
import pytest
import torch
from helpers.files import folder_digest  # noqa: E402
from torch import nn

import mmseg_efficient  # noqa: F401
from mmseg_efficient.compat import UnsafeCheckpointError, safe_torch_load
from mmseg_efficient.utils import (CheckpointSaveError, atomic_torch_save,
                                   find_resume_checkpoint,
                                   remove_stale_temporaries)
from mmseg_efficient.utils import checkpoint as ckpt_mod


def _logger():
    logger = logging.getLogger('run-reliability-test')
    logger.setLevel(logging.INFO)
    return logger


def _state(i):
    return dict(meta=dict(iter=i),
                state_dict=nn.Conv2d(3, 2, 1).state_dict())


def _truncate(path):
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])


# -- --resume in a copied work dir -----------------------------------------
def test_resume_stays_inside_a_copied_work_dir(tmp_path, caplog):
    """A work dir copied from A to B keeps last_checkpoint -> A/iter_4.pth:
    --resume takes B's own iter_4.pth (saying why), and when B's copy is
    truncated it is examined and skipped, never A's file used."""
    a = tmp_path / 'A'
    a.mkdir()
    for i in (2, 4):
        torch.save(_state(i), str(a / f'iter_{i}.pth'))
    (a / 'last_checkpoint').write_text(str(a / 'iter_4.pth'))
    b = str(tmp_path / 'B')
    shutil.copytree(str(a), b)
    with caplog.at_level(logging.INFO, logger='run-reliability-test'):
        got = find_resume_checkpoint(b, logger=_logger())
    assert got == osp.join(b, 'iter_4.pth')
    assert f'points to {a / "iter_4.pth"}, outside {b}' in caplog.text
    assert f'resuming from {got}' in caplog.text

    caplog.clear()
    _truncate(osp.join(b, 'iter_4.pth'))
    before = folder_digest(b)
    with caplog.at_level(logging.INFO, logger='run-reliability-test'):
        got = find_resume_checkpoint(b, logger=_logger())
    assert got == osp.join(b, 'iter_2.pth')
    assert f'skipping {osp.join(b, "iter_4.pth")}' in caplog.text
    assert 'truncated' in caplog.text
    assert f'resuming from the newest complete checkpoint {got}' \
        in caplog.text
    assert folder_digest(b) == before  # nothing deleted or rewritten


def test_resume_follows_last_save_inside_the_work_dir(tmp_path, caplog):
    work = tmp_path / 'work'
    work.mkdir()
    for i in (2, 4):
        torch.save(_state(i), str(work / f'iter_{i}.pth'))
    (work / 'last_checkpoint').write_text(str(work / 'iter_2.pth'))
    with caplog.at_level(logging.INFO, logger='run-reliability-test'):
        got = find_resume_checkpoint(str(work), logger=_logger())
    assert got == str(work / 'iter_2.pth')
    assert 'the last save' in caplog.text
    assert 'iter_4.pth has a higher number' in caplog.text
    # a checkpoint folder of its own (CheckpointHook's out_dir)
    out = tmp_path / 'out' / 'work'
    out.mkdir(parents=True)
    torch.save(_state(6), str(out / 'iter_6.pth'))
    (work / 'last_checkpoint').write_text(str(out / 'iter_6.pth'))
    assert find_resume_checkpoint(str(work), ckpt_dir=str(out)) == str(
        out / 'iter_6.pth')


# -- what a killed save leaves behind --------------------------------------
def test_stale_save_temporaries_are_removed(tmp_path, caplog):
    work = tmp_path / 'work'
    work.mkdir()
    torch.save(_state(2), str(work / 'iter_2.pth'))
    stale = ['.iter_4.pth.0a1b2c3d.tmp', '.iter_6.pth.deadbeef.tmp']
    for name in stale:
        (work / name).write_bytes(b'')  # what a kill -9 leaves
    keep = ['.notes.tmp', 'iter_2.pth', '.cache.0a1b2c3d.tmp']
    (work / '.notes.tmp').write_text('not ours')
    (work / '.cache.0a1b2c3d.tmp').write_text('not a checkpoint')
    with caplog.at_level(logging.WARNING, logger='run-reliability-test'):
        removed = remove_stale_temporaries(str(work), logger=_logger())
    assert sorted(removed) == [str(work / n) for n in stale]
    assert sorted(os.listdir(work)) == sorted(keep)
    assert 'Removed 2 temporary file(s) that an interrupted checkpoint ' \
        f'save left in {work}' in caplog.text
    assert '.iter_4.pth.0a1b2c3d.tmp (0 bytes)' in caplog.text
    assert remove_stale_temporaries(str(work)) == []
    assert remove_stale_temporaries(str(tmp_path / 'none')) == []


# -- a full disk -----------------------------------------------------------
class _FullDisk:
    """A file whose writes fail with ENOSPC after ``room`` bytes."""

    def __init__(self, f, room):
        self._f, self._room = f, room

    def write(self, data):
        self._room -= len(data)
        if self._room < 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()


def test_full_disk_during_save_names_file_and_cause(tmp_path, monkeypatch):
    from mmengine.runner import runner as runner_mod
    path = str(tmp_path / 'iter_2.pth')
    runner_mod.save_checkpoint(_state(2), path)  # the earlier checkpoint
    before = folder_digest(tmp_path)
    monkeypatch.setattr(ckpt_mod, 'open',
                        lambda p, mode: _FullDisk(open(p, mode), 2000),
                        raising=False)
    big = dict(state_dict={'w': torch.zeros(64, 64)})
    # what CheckpointHook -> Runner.save_checkpoint calls
    with pytest.raises(CheckpointSaveError) as info:
        runner_mod.save_checkpoint(big, path)
    msg = str(info.value)
    assert f'Could not save checkpoint {path}: No space left on device' in msg
    assert 'the earlier iter_2.pth is intact' in msg
    assert info.value.errno == errno.ENOSPC
    assert folder_digest(tmp_path) == before  # intact, no temporary file left
    with pytest.raises(CheckpointSaveError, match='no file was written'):
        atomic_torch_save(big, str(tmp_path / 'iter_4.pth'))
    assert folder_digest(tmp_path) == before
    monkeypatch.undo()
    assert safe_torch_load(path)['meta'] == dict(iter=2)


# -- crafted checkpoints ---------------------------------------------------
class _GetAttr:
    """Pickles as ``getattr(obj, name)`` (callable, so that pickle lets it
    stand for a function in a reduce)."""

    def __init__(self, obj, name):
        self.obj, self.name = obj, name

    def __reduce__(self):
        return getattr, (self.obj, self.name)

    def __call__(self):
        raise AssertionError('never called here')


class _Call:
    """Pickles as ``func(*args)``."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


class _HistoryBufferState:
    """Pickles as a HistoryBuffer built with ``state``."""

    def __init__(self, state):
        self.state = state

    def __reduce__(self):
        from mmengine.logging import HistoryBuffer
        return HistoryBuffer, (), self.state


BUILTINS = _GetAttr(getattr, '__self__')  # getattr's module: builtins


@pytest.fixture
def statistics_registry():
    """HistoryBuffer's class-wide statistics registry, restored after the
    test (a crafted file may write into it on an unfixed stack)."""
    from mmengine.logging import HistoryBuffer
    HistoryBuffer()  # registers the default statistics (min, max, ...)
    saved = dict(HistoryBuffer._statistics_methods)
    yield saved
    HistoryBuffer._statistics_methods.clear()
    HistoryBuffer._statistics_methods.update(saved)


def _save(path, meta, hub=None):
    ckpt = dict(meta=meta, state_dict=nn.Conv2d(3, 2, 1).state_dict())
    if hub is not None:
        ckpt['message_hub'] = hub
    torch.save(ckpt, path)


def test_crafted_getattr_chains_are_refused(tmp_path, statistics_registry):
    marker = tmp_path / 'pwned'
    crafted = {
        'exec_and_import': dict(e=_GetAttr(BUILTINS, 'exec'),
                                i=_GetAttr(BUILTINS, '__import__'),
                                v=_GetAttr(BUILTINS, 'eval')),
        'os_system': dict(x=_Call(
            _GetAttr(_Call(_GetAttr(BUILTINS, '__import__'), 'os'),
                     'system'), f'touch {marker}')),
        'eval': dict(x=_Call(_GetAttr(BUILTINS, 'eval'),
                             f'open({str(marker)!r}, "w")')),
        'history_buffer_attr': dict(x=_GetAttr(
            __import__('mmengine').logging.HistoryBuffer, '__init__')),
    }
    from mmengine.runner.checkpoint import _load_checkpoint
    for name, meta in crafted.items():
        path = str(tmp_path / f'{name}.pth')
        _save(path, meta)
        for load in (safe_torch_load, _load_checkpoint):
            with pytest.raises(UnsafeCheckpointError) as info:
                load(path)
            msg = str(info.value)
            assert path in msg and 'getattr' in msg, msg
        assert not marker.exists()


def test_crafted_getattr_refused_even_if_getattr_was_allowed(
        tmp_path, statistics_registry):
    """Code elsewhere in the process may have allow-listed the builtin
    getattr in torch (torch keys its allow-list by name, from a set): our
    loader still refuses, and leaves that process-wide list as it was."""
    path = str(tmp_path / 'exec.pth')
    _save(path, dict(e=_GetAttr(BUILTINS, 'exec')))
    saved = torch.serialization.get_safe_globals()
    torch.serialization.add_safe_globals([getattr])
    try:
        for _ in range(3):  # either order of torch's set
            with pytest.raises(UnsafeCheckpointError, match='getattr'):
                safe_torch_load(path)
        assert getattr in torch.serialization.get_safe_globals()
    finally:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(saved)


def test_crafted_history_buffer_statistics_are_refused(tmp_path,
                                                       statistics_registry):
    """A message hub whose HistoryBuffer statistics methods are anything but
    HistoryBuffer's own functions (merged class-wide by its __setstate__)."""
    from mmengine.logging import HistoryBuffer
    base = dict(_log_history=np.array([1.0]), _count_history=np.array([1]),
                max_length=10)
    for name, state in {
            'exec_statistic':
            dict(base, statistics_methods={'mean': _GetAttr(BUILTINS,
                                                            'exec')}),
            'foreign_statistic':
            dict(base, statistics_methods={'mean': OrderedDict}),
            'instance_registry':
            dict(base, _statistics_methods={'mean': OrderedDict}),
    }.items():
        path = str(tmp_path / f'{name}.pth')
        _save(path, {}, hub=dict(log_scalars={'loss': _HistoryBufferState(
            state)}))
        with pytest.raises(UnsafeCheckpointError, match='statistics|getattr'
                           ) as info:
            safe_torch_load(path)
        assert path in str(info.value)
        assert HistoryBuffer._statistics_methods == statistics_registry
    # what mmengine really writes still loads, its statistics work
    buf = HistoryBuffer()
    buf.update(2.0)
    buf.update(4.0)
    path = str(tmp_path / 'real.pth')
    _save(path, dict(iter=2), hub=dict(log_scalars={'loss': buf}))
    loaded = safe_torch_load(path)['message_hub']['log_scalars']['loss']
    assert loaded.statistics('mean') == 3.0 and loaded.current() == 4.0


# -- 2-process validation --------------------------------------------------
def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _ddp_worker(rank, port, out_dir):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port),
                      RANK=str(rank), WORLD_SIZE='2', LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    import torch.distributed as dist
    from mmengine.model import BaseModel
    from mmengine.optim import OptimWrapper
    from mmengine.runner import runner as runner_mod

    import mmseg_efficient  # noqa: F401,F811

    class Toy(BaseModel):

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 1)
            self.bn = nn.BatchNorm2d(4)

        def forward(self, inputs, data_samples=None, mode='tensor'):
            out = self.bn(self.conv(inputs))
            return dict(loss=out.mean()) if mode == 'loss' else [out]

    dist.init_process_group('gloo', rank=rank, world_size=2)
    try:
        torch.manual_seed(0)
        # the class the Runner wraps a model in (mmseg_efficient's CPU one)
        model = runner_mod.MMDistributedDataParallel(module=Toy())
        optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
        gen = torch.Generator().manual_seed(rank)  # rank-local batches
        for _ in range(2):
            model.train()
            model.train_step(
                dict(inputs=torch.randn(4, 3, 5, 5, generator=gen) * (rank +
                                                                      1)),
                optim)
        if rank == 0:  # what CheckpointHook saves
            torch.save(model.module.state_dict(),
                       osp.join(out_dir, 'rank0_state.pth'))
        model.eval()
        probe = torch.ones(1, 3, 5, 5)
        for step in ('val_step', 'test_step'):
            out = getattr(model, step)(dict(inputs=probe))[0]
            torch.save(out, osp.join(out_dir, f'{step}_{rank}.pth'))
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_ddp_validation_uses_the_checkpoint_statistics(tmp_path):
    """Two gloo processes train a BN model on different batches; each then
    validates and tests exactly as the model rank 0 saves (one process
    evaluating the checkpoint)."""
    import torch.multiprocessing as mp
    mp.spawn(_ddp_worker, args=(_free_port(), str(tmp_path)), nprocs=2,
             join=True)
    state = torch.load(str(tmp_path / 'rank0_state.pth'))
    conv, bn = nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4)
    conv.load_state_dict({k[5:]: v for k, v in state.items()
                          if k.startswith('conv.')})
    bn.load_state_dict({k[3:]: v for k, v in state.items()
                        if k.startswith('bn.')})
    expected = bn.eval()(conv(torch.ones(1, 3, 5, 5)))
    for step in ('val_step', 'test_step'):
        for rank in (0, 1):
            got = torch.load(str(tmp_path / f'{step}_{rank}.pth'))
            torch.testing.assert_close(got, expected, msg=f'{step} rank '
                                       f'{rank}')


def test_ddp_eval_buffers_fix_is_probed_and_switchable(monkeypatch):
    from mmengine.model import MMDistributedDataParallel

    from mmseg_efficient import compat
    assert compat.APPLIED['ddp_eval_buffers']
    assert MMDistributedDataParallel.val_step.__mmseg_efficient__

    def val_step(self, data):  # an upstream whose val_step syncs buffers
        self.sync_buffers()
        return self.module.val_step(data)

    monkeypatch.setattr(MMDistributedDataParallel, 'val_step', val_step)
    assert compat._probe_ddp_eval_buffers() is None
    monkeypatch.setenv('MMSEG_EFFICIENT_NO_COMPAT', 'ddp_eval_buffers')
    assert compat.disabled_patches() == {'ddp_eval_buffers'}
