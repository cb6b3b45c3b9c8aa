# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""tools/experiments/claims.py: its option builders on the real configs, its
scheduler, its refusal to overwrite, and (slow) a smoke run of every claim
through tools/train.py and tools/test.py, then a resume that adds a seed."""
import json
import os
import os.path as osp
import threading
import time

import pytest
from conftest import load_tool

claims = load_tool('tools/experiments/claims.py')


def _opts(opts):
    return dict(o.split('=', 1) for o in opts)


def test_every_claim_names_existing_configs_and_arms():
    for name, spec in claims.CLAIMS.items():
        assert spec['statement'] and spec['section'] and spec['paper']
        for a, b, expect in spec['comparisons']:
            assert a in spec['arms'] and b in spec['arms'], name
            assert expect in ('greater', 'less')
        for stages in spec['arms'].values():
            assert abs(sum(s['share'] for s in stages) - 1) < 1e-9, name
            for s in stages:
                assert osp.isfile(osp.join(claims.REPO, s['config']))
                assert s['init'] in claims.INIT_WORDS
            assert stages[0]['init'] != 'previous'
        if any(s['init'] in ('teacher', 'classifier')
               for st in spec['arms'].values() for s in st):
            assert spec['needs'] in ('teacher', 'classifier')
    assert len(claims.CLAIMS) == 7


def test_schedule_scales_scheduler_hooks_and_validation():
    gg = claims._config(claims.CLAIMS['gradual_grouping']['arms']['gradual']
                        [0]['config'])
    o = _opts(claims.schedule_options(gg, 150))  # 300 -> 150
    assert o['train_cfg.max_iters'] == '150'
    assert o['custom_hooks.0.end'] == '100'  # alpha 1 -> 0 over 2/3
    assert o['train_cfg.val_interval'] == '50'
    assert o['default_hooks.checkpoint.interval'] == '150'
    nd = claims._config(claims.NDNET.format(29))
    o = _opts(claims.schedule_options(nd, 600))  # milestones 131, 225
    assert o['param_scheduler.0.milestones'] == '[262,450]'
    assert o['param_scheduler.0.end'] == '600'
    assert o['train_cfg.val_interval'] == '600'


def test_data_options_follow_dataset_wrappers_and_sizes():
    cfg = claims._config(claims.EFFSEG.format(''))
    budget = dict(claims.BUDGETS['smoke'])
    o = _opts(claims.data_options(cfg, '/d', budget))
    # the rare-class oversampler wraps the train dataset
    assert o['train_dataloader.dataset.dataset.data_root'] == '/d'
    assert o['val_dataloader.dataset.data_root'] == '/d'
    assert o['train_dataloader.num_workers'] == '0'
    crop = [k for k in o if k.endswith('crop_size')]
    assert crop == ['train_dataloader.dataset.dataset.pipeline.4.crop_size']
    assert o[crop[0]] == '(64,128)'
    assert o['model.data_preprocessor.size'] == '(64,128)'
    assert o['test_dataloader.dataset.pipeline.1.scale'] == '(256,128)'
    cpu = _opts(claims.data_options(cfg, '/d', claims.BUDGETS['cpu']))
    assert not [k for k in cpu if k.endswith(('scale', 'crop_size', 'size'))]


def test_scheduler_order_dependencies_failures_and_added_jobs():
    log, lock, running = [], threading.Lock(), [0, 0]

    def job(name, fail=False):
        def fn():
            with lock:
                running[0] += 1
                running[1] = max(running[1], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1
                log.append(name)
            if fail:
                raise claims.RunFailed(f'{name} broke')
            return name
        return fn

    def on_done(key, result):
        if key == 'a':
            sched.add('late', job('late'), deps=('b', ))

    sched = claims.Scheduler(2, on_done)
    sched.add('prereq', job('prereq'), cost=100)
    sched.add('a', job('a'), deps=('prereq', ), cost=5)
    sched.add('b', job('b'), cost=1)
    sched.add('bad', job('bad', fail=True), cost=3)
    sched.add('after_bad', job('after_bad'), deps=('bad', ))
    done, failed = sched.run()
    assert set(done) == {'prereq', 'a', 'b', 'late'}
    assert 'broke' in failed['bad']
    assert failed['after_bad'] == 'bad failed'
    assert log.index('prereq') < log.index('a') < log.index('late')
    assert running[1] == 2  # both workers used, never more


def test_finished_runs_are_kept_and_a_changed_spec_is_refused(tmp_path):
    spec = dict(stages=['x'], seed=0)
    run_dir = str(tmp_path / 'r')
    assert claims.finished(run_dir, spec) is None
    os.makedirs(run_dir)
    claims.write_result(run_dir, dict(mIoU=1.0,
                                      spec_hash=claims._spec_hash(spec)))
    assert claims.finished(run_dir, spec)['mIoU'] == 1.0
    with pytest.raises(SystemExit, match='result.json was written by a '
                       'run with other settings'):
        claims.finished(run_dir, dict(spec, seed=1))


def test_an_out_with_runs_needs_resume(tmp_path):
    run = tmp_path / 'runs' / 'dpc' / 'dpc' / 's0'
    run.mkdir(parents=True)
    (run / 'result.json').write_text('{}')
    with pytest.raises(SystemExit, match='pass --resume'):
        claims.main(['--claims', 'dpc', '--out', str(tmp_path)])
    with pytest.raises(SystemExit):
        claims.parse_args(['--claims', 'nonsense', '--out', str(tmp_path)])


@pytest.mark.slow
def test_smoke_every_claim_then_resume_adds_a_seed(tmp_path, capsys):
    out = str(tmp_path / 'claims')
    doc = str(tmp_path / 'doc' / 'claims.md')
    claims.main(['--claims', 'all', '--budget', 'smoke', '--out', out,
                 '--doc', doc])
    with open(osp.join(out, 'claims.json')) as f:
        report = json.load(f)
    assert not report['failed']
    assert set(report['claims']) == set(claims.CLAIMS)
    for name, entry in report['claims'].items():
        arms = claims.CLAIMS[name]['arms']
        assert sorted(r['arm'] for r in entry['runs']) == sorted(arms)
        for r in entry['runs']:
            assert 0 <= r['mIoU'] <= 100 and r['train_s'] > 0
            assert osp.isfile(osp.join(out, r['checkpoint']))
        assert all(c['verdict'] == 'too few seeds'
                   for c in entry['comparisons'])
    assert report['claims']['distillation']['prereq']['teacher']
    assert report['claims']['pretraining']['prereq']['classifier']
    with open(doc) as f:
        text = f.read()
    # one verdict per comparison row (texture_aug has 2)
    assert text.count('| **too few seeds** |') == 8
    assert '--budget smoke' in text and 'channels-last' in text
    assert 'logical CPUs' in text  # the machine's CPU record
    # --render writes the same Markdown again from the JSON
    again = str(tmp_path / 'again.md')
    claims.main(['--render', osp.join(out, 'claims.json'), '--doc', again])
    with open(again) as f:
        assert f.read() == text
    seed0 = osp.join(out, 'runs', 'dpc', 'dpc', 's0', 'result.json')
    stamp = os.stat(seed0).st_mtime_ns
    # a second seed for one claim: seed 0 is not rerun
    claims.main(['--claims', 'dpc', '--budget', 'smoke', '--seeds', '2',
                 '--out', out, '--resume'])
    assert os.stat(seed0).st_mtime_ns == stamp
    with open(osp.join(out, 'claims.json')) as f:
        dpc = json.load(f)['claims']['dpc']
    comp = dpc['comparisons'][0]
    assert comp['n'] == 2 and comp['seeds'] == [0, 1]
    assert comp['ci'] is not None and comp['verdict'] in (
        'holds', 'inconclusive', 'contradicted')


def test_report_only_tables_the_finished_runs(tmp_path):
    for seed, (basic, dpc) in enumerate([(5.0, 6.0), (4.0, 6.5)]):
        for arm, miou in (('basic', basic), ('dpc', dpc)):
            run = tmp_path / 'runs' / 'dpc' / arm / f's{seed}'
            run.mkdir(parents=True)
            (run / 'result.json').write_text(json.dumps(dict(
                claim='dpc', arm=arm, seed=seed, mIoU=miou, aAcc=50.0,
                train_s=1.0)))
    claims.main(['--claims', 'dpc', '--budget', 'cpu', '--out',
                 str(tmp_path), '--report-only'])
    assert not (tmp_path / 'data').exists()  # nothing generated or trained
    report = json.loads((tmp_path / 'claims.json').read_text())
    comp = report['claims']['dpc']['comparisons'][0]
    assert comp['n'] == 2 and comp['diffs'] == [1.0, 2.5]
    text = (tmp_path / 'claims.md').read_text()
    assert 'finished so far' in text and '+1.75' in text
