# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""How the benchmark keeps runners from slowing each other (settling after
each run, chunks in fresh processes with anchors), the achieved GMAC/s and
% of the machine peak, and the JSON of runs made before these existed."""
import hashlib
import json
import os
import os.path as osp
import threading

import pytest
from conftest import REPO, load_tool

from mmseg_efficient.deploy import bench
from mmseg_efficient.deploy.bench import (PROBE_GMACS, add_throughput,
                                          load_benchmark_json, plan_chunks,
                                          time_interleaved, wait_until_idle)
from mmseg_efficient.utils import ISA_LEVELS

DG2 = osp.join(REPO, 'configs', 'essnet',
               'essnet-dg2_ups_1xb6-75k_cityscapes-512x1024.py')
DEMO_D = osp.join(REPO, 'configs', 'demo',
                  'essnet-d_ups_1xb4-600i_streetscenes-128x256.py')
NDNET = osp.join(REPO, 'configs', 'ndnet',
                 'fcn32_ndnet29_1xb4-300i_streetscenes-128x256.py')


def test_plan_chunks_puts_the_anchors_in_every_chunk():
    configs = [f'c{i}.py' for i in range(7)] + ['anchor.py']
    chunks = plan_chunks(configs, 3, ['anchor.py'])
    assert chunks == [['anchor.py', 'c0.py', 'c1.py', 'c2.py'],
                      ['anchor.py', 'c3.py', 'c4.py', 'c5.py'],
                      ['anchor.py', 'c6.py']]
    assert plan_chunks(['a.py', 'b.py'], 8) == [['a.py', 'b.py']]
    assert plan_chunks([], 2, ['anchor.py']) == [['anchor.py']]
    with pytest.raises(ValueError, match='chunk_size must be >= 1, got 0'):
        plan_chunks(configs, 0)


def test_time_interleaved_settles_after_every_run(monkeypatch):
    calls = []
    monkeypatch.setattr(bench, 'wait_until_idle', lambda: calls.append(1))
    order = []
    runners = dict(a=lambda: order.append('a'), b=lambda: order.append('b'))
    times = time_interleaved(runners, warmup=1, iters=2)
    assert order == ['a', 'b'] * 3  # in turns
    assert len(calls) == 6 and [len(t) for t in times.values()] == [2, 2]
    calls.clear()
    time_interleaved(runners, warmup=1, iters=2, settle=False)
    assert not calls


def test_wait_until_idle_waits_while_a_thread_is_busy():
    stop = threading.Event()

    def burn():  # hashlib releases the GIL on large inputs
        data = b'x' * (1 << 20)
        while not stop.is_set():
            hashlib.sha256(data).digest()

    # two busy threads, 10 ms steps: busy in every step even on a loaded
    # machine, where a thread may miss a millisecond now and then
    threads = [threading.Thread(target=burn) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        waited = wait_until_idle(step_s=0.01, max_s=0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert waited >= 0.05  # busy the whole time: waited up to the cap
    assert wait_until_idle(max_s=0.5) < 0.5  # idle now


def test_add_throughput_is_gmacs_over_the_median():
    rows = [
        dict(backend='onnxruntime', gmacs=2.0, median_ms=4.0),
        dict(backend='torchscript', gmacs=1.0, median_ms=10.0),
        dict(backend='pytorch', gmacs=None, median_ms=3.0),
        dict(backend='pytorch', gmacs=1.0, status='failed'),
    ]
    peak = dict(onnxruntime=dict(gmacs_per_s=1000.0),
                pytorch=dict(gmacs_per_s=200.0))
    add_throughput(rows, peak)
    assert rows[0]['gmacs_per_s'] == pytest.approx(500.0)
    assert rows[0]['peak_pct'] == pytest.approx(50.0)
    # TorchScript runs oneDNN's convs: compared with eager PyTorch's probe
    assert rows[1]['gmacs_per_s'] == pytest.approx(100.0)
    assert rows[1]['peak_pct'] == pytest.approx(50.0)
    assert 'gmacs_per_s' not in rows[2] and 'gmacs_per_s' not in rows[3]
    add_throughput(rows[:1], {})  # no probe: the rate, no percentage
    assert rows[0]['peak_pct'] is None


def test_merge_anchor_rows_pools_the_chunks():
    def row(times, status='ok'):
        return dict(config='a.py', backend='pytorch', deploy=False,
                    status=status, times_ms=times,
                    median_ms=sorted(times)[len(times) // 2],
                    cpu_median_ms=2 * times[0])

    (merged, ) = bench._merge_anchor_rows([[row([1.0, 3.0, 2.0])],
                                           [row([10.0, 12.0, 11.0])]])
    assert merged['chunk_medians'] == [2.0, 11.0]
    assert sorted(merged['times_ms']) == [1, 2, 3, 10, 11, 12]
    assert merged['median_ms'] == pytest.approx(6.5)
    assert merged['iters'] == 6
    assert merged['cpu_median_ms'] == pytest.approx((2 + 20) / 2)
    failed = dict(config='a.py', backend='pytorch', deploy=False,
                  status='failed', error='x')
    (merged, ) = bench._merge_anchor_rows([[failed], [row([4.0])]])
    assert merged['status'] == 'ok' and merged['chunk_medians'] == [4.0]


def test_load_benchmark_json_old_and_new(tmp_path):
    old = tmp_path / 'old.json'
    old.write_text(json.dumps([dict(config='a.py', median_ms=1.0)]))
    saved = load_benchmark_json(str(old))
    assert saved['machine'] is None and saved['peak'] is None
    assert saved['rows'][0]['config'] == 'a.py'
    new = tmp_path / 'new.json'
    new.write_text(json.dumps(dict(machine=dict(model='x'), peak={},
                                   rows=[])))
    assert load_benchmark_json(str(new))['machine'] == dict(model='x')
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(dict(results=[])))
    with pytest.raises(ValueError, match=str(bad)):
        load_benchmark_json(str(bad))


def test_report_renders_a_run_without_machine_or_rates(tmp_path):
    """An efficiency.json written before the CPU, the probe and the chunks
    were recorded renders, showing – for them."""
    report = load_tool('tools/analysis_tools/efficiency_report.py')
    rows = [
        dict(config=DEMO_D, backend=b, deploy=d, status='ok',
             params=414895, gmacs=0.1, peak_act_mib=1.0, median_ms=ms)
        for b, d, ms in (('pytorch', False, 20.0),
                         ('onnxruntime', True, 2.0))
    ]
    run = dict(command='python tools/analysis_tools/efficiency_report.py x',
               minutes=0.5, load_before=0.1, load_after=0.2, threads=2,
               torch='2.x', onnxruntime='1.x',
               args=dict(config=[DEMO_D], peers=False, shape=[64, 128],
                         backend=['pytorch', 'onnxruntime:deploy'],
                         threads=2, warmup=0, iters=1, no_dedupe=True))
    path = tmp_path / 'efficiency.json'
    path.write_text(json.dumps(dict(run=run, rows=rows)))
    (record, ) = report.main(['--from-json', str(path), '--out',
                              str(tmp_path / 'out')])
    assert record['pytorch GMAC/s'] is None
    md = (tmp_path / 'out' / 'efficiency.md').read_text()
    assert 'Machine: CPU not recorded.' in md
    assert 'Machine peak and GMAC/s: not recorded (–).' in md
    assert '| pytorch GMAC/s (% peak) | onnxruntime:deploy GMAC/s (% peak) |' \
        in md
    assert '| 20.0 | 2.0 | – | – |' in md


@pytest.mark.slow
def test_run_chunked_times_each_chunk_in_a_fresh_process_with_anchors():
    info, ticks = {}, []
    rows = bench.run_chunked(
        [DEMO_D, NDNET, DG2], chunk_size=1, anchors=[DG2], info=info,
        backends=['pytorch', 'onnxruntime:deploy'], shape=(32, 64),
        warmup=0, iters=2, progress=lambda: ticks.append(1))
    chunks = info['chunks']
    assert chunks['count'] == 2 and chunks['anchors'] == [DG2]
    # each chunk its own process, not this one: its runners released
    assert len(set(chunks['pids'])) == 2 and os.getpid() not in chunks['pids']
    assert len(ticks) == 2 * (2 + 0 + 2)  # configs + rounds, per chunk
    assert [(osp.basename(r['config']), r['backend']) for r in rows] == [
        (osp.basename(c), b) for c in (DG2, DEMO_D, NDNET)
        for b in ('pytorch', 'onnxruntime')
    ]
    for r in rows:
        assert r['status'] == 'ok'
        assert r['gmacs_per_s'] == pytest.approx(r['gmacs'] /
                                                 (r['median_ms'] / 1e3))
    anchor = rows[:2]
    for r in anchor:  # timed in both chunks, pooled
        assert len(r['chunk_medians']) == 2 and len(r['times_ms']) == 4
    for kind in ('pytorch', 'onnxruntime'):
        peak = info['peak'][kind]
        assert peak['gmacs'] == pytest.approx(PROBE_GMACS)
        assert len(peak['chunk_medians']) == 2
        assert anchor[0 if kind == 'pytorch' else 1]['peak_pct'] == \
            pytest.approx(100 * anchor[0 if kind == 'pytorch' else 1][
                'gmacs_per_s'] / peak['gmacs_per_s'])


@pytest.mark.slow
def test_report_records_the_machine_and_rates(tmp_path):
    """The report on two small configs at a tiny input: the CPU in the
    header and the JSON, GMAC/s (% peak) per backend, the chunks with the
    anchor."""
    report = load_tool('tools/analysis_tools/efficiency_report.py')
    out = tmp_path / 'rep'
    records = report.main([DEMO_D, NDNET, '--shape', '64', '128',
                           '--warmup', '0', '--iters', '2', '--threads', '1',
                           '--chunk-size', '1', '--out', str(out)])
    saved = json.loads((out / 'efficiency.json').read_text())
    run = saved['run']
    assert run['machine']['isa'] in ISA_LEVELS
    assert run['machine']['torch_threads'] == 1
    assert run['chunks']['count'] == 2
    assert set(run['peak']) == {'pytorch', 'onnxruntime'}
    md = (out / 'efficiency.md').read_text()
    assert f'Machine: {run["machine"]["model"]}' in md
    assert 'Machine peak (3x3 conv 64->64, batch 1, 128x256' in md
    assert 'with the anchor(s) essnet-dg2_ups_1xb6-75k' in md
    assert 'onnxruntime:deploy GMAC/s (% peak)' in md
    assert [osp.basename(r['config']) for r in records] == [
        osp.basename(DEMO_D), osp.basename(NDNET)]  # the anchor: header only
    row = next(r for r in saved['rows'] if r['config'] == DEMO_D
               and r['backend'] == 'onnxruntime')
    rec = records[0]
    assert rec['onnxruntime:deploy GMAC/s'] == pytest.approx(
        row['gmacs'] / (row['median_ms'] / 1e3))
    assert f'{rec["onnxruntime:deploy GMAC/s"]:.1f} (' in md


def test_compare_timings_flags_rows_beyond_the_tolerance(tmp_path, capsys):
    compare = load_tool('tools/analysis_tools/compare_timings.py')

    def row(config, backend, deploy, ms):
        return dict(config=config, backend=backend, deploy=deploy,
                    status='ok', median_ms=ms)

    machine = dict(model='cpu', isa='AVX2', torch_threads=2, ort_threads=2,
                   available_cpus=2, logical_cpus=2)
    report = tmp_path / 'efficiency.json'
    report.write_text(json.dumps(dict(run=dict(machine=machine), rows=[
        row(DG2, 'onnxruntime', True, 38.0),
        row(osp.relpath(DEMO_D, REPO), 'pytorch', False, 120.0),
        row(NDNET, 'pytorch', False, 5.0)])))
    dedicated = tmp_path / 'bench.json'
    dedicated.write_text(json.dumps([  # an old benchmark.py file: a list
        row(DG2, 'onnxruntime', True, 36.0),
        row(DG2, 'pytorch', False, 170.0),
        row(DEMO_D, 'pytorch', False, 100.0)]))
    cwd = os.getcwd()
    os.chdir(REPO)  # the report's relative config path
    try:
        assert compare.main([str(report), str(dedicated)]) == 1
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert ('essnet-dg2_ups_1xb6-75k_cityscapes-512x1024 '
            '[onnxruntime:deploy]: report 38.0 ms, dedicated 36.0 ms, '
            '+5.6%\n') in out
    assert ('essnet-d_ups_1xb4-600i_streetscenes-128x256 [pytorch]: report '
            '120.0 ms, dedicated 100.0 ms, +20.0%  > 10%') in out
    assert '1 of 2 within 10%' in out and 'dedicated: CPU not recorded' in out


def test_report_rejects_bad_chunks_and_anchors(tmp_path, capsys):
    report = load_tool('tools/analysis_tools/efficiency_report.py')
    with pytest.raises(SystemExit):
        report.parse_args([DEMO_D, '--chunk-size', '-1'])
    assert '--chunk-size must be >= 0, got -1' in capsys.readouterr().err
    missing = str(tmp_path / 'no_anchor.py')
    with pytest.raises(SystemExit):
        report.parse_args([DEMO_D, '--anchor', missing])
    assert f'--anchor {missing}: Config file not found' in \
        capsys.readouterr().err
    args = report.parse_args([DEMO_D, '--anchor'])  # no anchor at all
    assert args.anchor == [] and args.chunk_size == 8


def test_compare_timings_rejects_a_file_that_is_no_report(tmp_path, capsys):
    compare = load_tool('tools/analysis_tools/compare_timings.py')
    bench_json = tmp_path / 'bench.json'
    bench_json.write_text('[]')
    with pytest.raises(SystemExit):
        compare.main([str(bench_json), str(bench_json)])
    assert f'{bench_json} is not an efficiency_report.py JSON' in \
        capsys.readouterr().err


def test_probe_runner_names_a_wrong_backend():
    with pytest.raises(ValueError, match="got 'torchscript'"):
        bench.make_probe_runner('torchscript')


@pytest.mark.slow
def test_run_chunked_names_the_chunk_whose_process_failed():
    with pytest.raises(RuntimeError) as info:
        bench.run_chunked([NDNET], chunk_size=1, backends=['pytorch'],
                          shape=(32, 64), warmup=-1, iters=1)
    msg = str(info.value)
    assert f'benchmark chunk [{NDNET!r}] failed' in msg
    assert 'warmup must be >= 0' in msg


def test_run_chunked_goes_on_after_a_chunk_process_died(monkeypatch):
    """A chunk whose process dies (e.g. killed for memory) gives failed
    rows naming the exit code and the chunk; the next chunk goes on."""
    def fake(context, args, tick, on_rows):
        threads, chunk, kwargs = args
        timed = dict(backend='pytorch', deploy=False, status='ok',
                     median_ms=1.0, times_ms=[1.0], cpu_median_ms=1.0)
        if 'big.py' in chunk:  # built one config, then died
            on_rows([dict(timed, config='anchor.py'),
                     dict(timed, config='big.py')])
            return None, None, -9
        return ([dict(timed, config=c) for c in chunk],
                dict(pid=123, peak={})), None, 0

    monkeypatch.setattr(bench, '_run_in_process', fake)
    rows = bench.run_chunked(['big.py', 'other.py', 'next.py'],
                             chunk_size=2, anchors=['anchor.py'],
                             backends=['pytorch'])
    by_config = {r['config']: r for r in rows}
    for config in ('big.py', 'other.py'):
        assert by_config[config]['status'] == 'failed'
        assert 'benchmark process died (exit code -9) timing the chunk ' \
            "['anchor.py', 'big.py', 'other.py']" in \
            by_config[config]['error']
    assert by_config['next.py']['status'] == 'ok'
    assert by_config['anchor.py']['chunk_medians'] == [1.0]
