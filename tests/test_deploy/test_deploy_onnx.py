# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""ONNX export through tools/deploy/export.py checked by onnxruntime (one
config per backbone family under configs/, mmseg's ERFNet and ESSNet-DG2),
atomic outputs, the equivalence check, the benchmark backends and the
efficiency report."""
import csv
import glob
import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest
from conftest import REPO
from mmengine.config import Config

pytest.importorskip('onnxruntime', reason='pip install -e ".[deploy]"')

from mmseg_efficient.deploy import EquivalenceError, check_equivalence  # noqa

ERFNET_MMSEG = 'mmseg::erfnet/erfnet_fcn_4xb4-160k_cityscapes-512x1024.py'
ESSNET_DG2 = osp.join(REPO, 'configs', 'essnet',
                      'essnet-dg2_ups_1xb6-75k_cityscapes-512x1024.py')


def _load_tool(rel):
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(rel))[0], osp.join(REPO, rel))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _one_config_per_backbone():
    found = {}
    for path in sorted(glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                                 recursive=True)):
        if '_base_' in path.split(osp.sep):
            continue
        cfg = Config.fromfile(path)
        if cfg.get('default_scope') == 'mmpretrain':
            continue  # ImageNet classifiers (configs/pretrain)
        found.setdefault(cfg.model.backbone.type, path)
    return sorted(found.values())


EXPORT_CONFIGS = [ERFNET_MMSEG, ESSNET_DG2] + [
    c for c in _one_config_per_backbone() if c != ESSNET_DG2
]


@pytest.mark.parametrize(
    'config', EXPORT_CONFIGS,
    ids=[osp.splitext(osp.basename(c))[0] for c in EXPORT_CONFIGS])
def test_export_matches_onnxruntime(config, tmp_path):
    export = _load_tool('tools/deploy/export.py')
    out = tmp_path / 'out'
    dynamic = config in (ERFNET_MMSEG, ESSNET_DG2)
    record = export.main([config, 'random', '--out', str(out), '--shape',
                          '64', '128'] + (['--dynamic'] if dynamic else []))
    stem = osp.splitext(osp.basename(config.split('::')[-1]))[0]
    assert sorted(os.listdir(out)) == [f'{stem}.json', f'{stem}.onnx']
    assert list(tmp_path.iterdir()) == [out]  # no temporary folder left
    saved = json.loads((out / f'{stem}.json').read_text())
    assert saved['opset'] >= 17 and saved['dynamic'] == dynamic
    checks = saved['onnxruntime_check']
    assert len(checks) == (2 if dynamic else 1)  # dynamic: 2 input sizes
    for per_output in checks.values():
        for stats in per_output.values():
            assert stats['max_abs_diff'] <= 1e-4 and stats['same_argmax']
    assert record['folded_bn'], 'every family here has conv -> BN pairs'
    if 'essnet-dg2' in stem:
        assert record['interp_conv_first']  # 1x1 conv before upsampling


def test_failed_export_leaves_nothing(tmp_path):
    export = _load_tool('tools/deploy/export.py')
    out = tmp_path / 'out'
    with pytest.raises(EquivalenceError, match="worst output 'logits'"):
        # a negative tolerance no model can meet
        export.main([ESSNET_DG2, 'random', '--out', str(out), '--shape',
                     '32', '64', '--atol', '-1'])
    assert list(tmp_path.iterdir()) == []


def test_check_equivalence_names_worst_output():
    a = np.zeros((1, 3, 4, 4), np.float32)
    a[0, 0] = 1.0  # class 0 wins everywhere by a margin of 1
    b = a.copy()
    b[0, 1, 0, 0] = 2.0  # changes the argmax of one pixel
    c = a.copy()
    c[0, 0, 0, 0] = 1.001
    stats = check_equivalence([a, a], [a, a + 1e-6], ['x', 'y'])
    assert stats['y']['max_abs_diff'] < 1e-5
    assert stats['y']['pixels'] == 16 and stats['y']['ties'] == 0
    with pytest.raises(EquivalenceError,
                       match=r"worst output 'b'.* 1 pixels with a different "
                       r'argmax \(of 16 .*; 0 ties'):
        check_equivalence([a, a], [c, b], ['a', 'b'])
    with pytest.raises(EquivalenceError, match='shape'):
        check_equivalence([a], [a[:, :2]])


def test_check_equivalence_ties_and_clear_margins():
    """A swapped argmax fails only where the reference's top-2 margin is
    above the tolerance; NaN logits fail."""
    atol = 1e-4
    ref = np.zeros((1, 3, 2, 2), np.float32)
    ref[0, 0] = 1.0
    ref[0, 1] = 1.0 - 3e-7  # a tie: margin 3e-7 <= atol at every pixel
    got = ref.copy()
    got[0, 1, 0, 0] += 6e-7  # the tie swaps at one pixel, within atol
    stats = check_equivalence([ref], [got], ['logits'], atol)['logits']
    assert stats['same_argmax'] and stats['ties'] == 4
    assert stats['tie_mismatches'] == 1 and stats['argmax_mismatches'] == 0

    clear = ref.copy()
    clear[0, 1] = 1.0 - 1.5e-4  # margin 1.5e-4 > atol: decided pixels
    swapped = clear.copy()
    swapped[0, 0, 1, 1] -= 0.8e-4  # each logit moves less than atol ...
    swapped[0, 1, 1, 1] += 0.8e-4  # ... but the winner changes
    with pytest.raises(EquivalenceError,
                       match=r'max \|diff\| 8e-05 .* 1 pixels with a '
                       r'different argmax \(of 4 whose top-2 margin'):
        check_equivalence([clear], [swapped], ['logits'], atol)

    nan = clear.copy()
    nan[0, 2, 0, 1] = np.nan
    with pytest.raises(EquivalenceError, match=r"'logits' has max \|diff\| "
                       r'inf'):
        check_equivalence([clear], [nan], ['logits'], atol)


def test_export_random_weights_are_seeded(tmp_path):
    """The same command writes the same ONNX file; another seed another."""
    export = _load_tool('tools/deploy/export.py')
    stem = osp.splitext(osp.basename(ESSNET_DG2))[0]
    onnx = {}
    for run, seed in (('a', '0'), ('b', '0'), ('c', '1')):
        out = tmp_path / run
        export.main([ESSNET_DG2, 'random', '--out', str(out), '--shape',
                     '32', '64', '--seed', seed])
        onnx[run] = (out / f'{stem}.onnx').read_bytes()
    assert onnx['a'] == onnx['b']
    assert onnx['a'] != onnx['c']


def test_run_benchmark_backends_and_failures(tmp_path):
    from mmseg_efficient.deploy.bench import run_benchmark
    updates, info = [], {}
    rows = run_benchmark(
        [ESSNET_DG2, osp.join(REPO, 'configs', 'missing.py')],
        ['pytorch', 'onnxruntime:deploy'], (32, 64), warmup=0, iters=2,
        peak_memory=True, on_update=lambda r: updates.append(len(r)),
        info=info)
    assert [(r['backend'], r['deploy'], r['status']) for r in rows] == [
        ('pytorch', False, 'ok'), ('onnxruntime', True, 'ok'),
        ('pytorch', False, 'failed'), ('onnxruntime', True, 'failed')
    ]
    assert 'FileNotFoundError' in rows[2]['error']
    assert rows[0]['params'] == rows[1]['params'] > 200000
    for r in rows[:2]:
        assert r['gmacs'] > 0
        assert 0 < r['min_ms'] <= r['median_ms'] <= r['max_ms']
        assert r['iters'] == 2 and r['shape'] == [32, 64]
        assert r['peak_act_mib'] > 0
        # achieved GMAC/s, and against the probe of its runtime, same rounds
        assert len(r['times_ms']) == 2
        assert r['gmacs_per_s'] == pytest.approx(r['gmacs'] /
                                                 (r['median_ms'] / 1e3))
        peak = info['peak'][r['backend']]
        assert peak['gmacs'] == pytest.approx(64 * 64 * 9 * 128 * 256 / 1e9)
        assert len(peak['times_ms']) == 2
        assert r['peak_pct'] == pytest.approx(
            100 * r['gmacs_per_s'] / peak['gmacs_per_s'])
    assert updates[0] == 1  # written as results come in


def test_report_folder_means_segmentation_configs():
    report = _load_tool('tools/analysis_tools/efficiency_report.py')
    found = report.expand_configs([osp.join(REPO, 'configs')])
    assert not any(osp.join('configs', 'pretrain') in c for c in found)
    assert not any('_base_' in c for c in found)
    assert any(c.endswith('essnet-dg2_ups_1xb6-75k_cityscapes-512x1024.py')
               for c in found)


@pytest.mark.slow
def test_benchmark_and_report_tools(tmp_path):
    """benchmark.py with two backends and the efficiency report (Markdown,
    CSV, plot) on two configs at a tiny input, in-process."""
    bench = _load_tool('tools/analysis_tools/benchmark.py')
    out = tmp_path / 'bench.json'
    rows = bench.main([ESSNET_DG2, '--backend', 'pytorch', 'onnxruntime',
                       '--deploy', '--shape', '32', '64', '--warmup', '0',
                       '--iters', '1', '--threads', '1', '--out', str(out)])
    saved = json.loads(out.read_text())
    assert saved['machine']['torch_threads'] == 1
    assert set(saved['peak']) == {'pytorch', 'onnxruntime'}
    saved = saved['rows']
    assert [r['backend'] for r in saved] == ['pytorch', 'onnxruntime']
    for key in ('params', 'gmacs', 'median_ms', 'min_ms', 'max_ms',
                'backend', 'threads', 'shape'):
        assert all(key in r for r in saved), key
    assert all(r['deploy'] for r in rows)

    report = _load_tool('tools/analysis_tools/efficiency_report.py')
    erfnet_ours = osp.join(REPO, 'configs', 'essnet',
                           'erfnet_deconv_1xb6-75k_cityscapes-512x1024.py')
    records = report.main([erfnet_ours, ERFNET_MMSEG, '--shape', '32', '64',
                           '--warmup', '0', '--iters', '1', '--out',
                           str(tmp_path / 'rep')])
    by_label = {r['label']: r for r in records}
    assert by_label['erfnet_deconv_1xb6-75k_cityscapes-512x1024'][
        'miou'] == pytest.approx(70.45)  # the thesis' claim, metafile
    assert by_label['erfnet_fcn_4xb4-160k_cityscapes-512x1024'][
        'miou'] == pytest.approx(72.5)  # mmseg's metafile
    md = (tmp_path / 'rep' / 'efficiency.md').read_text()
    assert 'efficiency_report.py' in md and '| 70.45 |' in md
    with open(tmp_path / 'rep' / 'efficiency.csv') as f:
        assert len(list(csv.DictReader(f))) == 2
    assert (tmp_path / 'rep' / 'pareto.png').stat().st_size > 1000
    # the thesis' params from the metafile's claim; its GFLOPs are at
    # 512x1024, so not compared with ours at 32x64
    ours = by_label['erfnet_deconv_1xb6-75k_cityscapes-512x1024']
    assert ours['paper_params'] == 2038448
    assert ours['params_vs_paper'] == pytest.approx(
        (ours['params'] - 2038448) / 2038448)
    assert ours['paper_gflops'] == pytest.approx(27.705)
    assert ours['gmacs_vs_paper'] is None

    # rendered again from the run's JSON, without measuring
    again = report.main(['--from-json', str(tmp_path / 'rep' /
                                            'efficiency.json'), '--out',
                         str(tmp_path / 'again')])
    assert [(r['label'], r['params'], r.get('onnxruntime:deploy ms'))
            for r in again] == [(r['label'], r['params'],
                                 r.get('onnxruntime:deploy ms'))
                                for r in records]
    md_again = (tmp_path / 'again' / 'efficiency.md').read_text()
    assert '--from-json' in md_again and '| 70.45 |' in md_again
    with pytest.raises(SystemExit):
        report.main(['--from-json', str(out), '--out', str(tmp_path / 'x')])


GG_P2 = osp.join(REPO, 'configs', 'essnet', 'gradual_grouping',
                 'essnet-dg2_gg-p2_ups_1xb4-300i_streetscenes-128x256.py')


def test_benchmark_and_report_count_gradual_grouping_as_deployed(capsys):
    """The benchmark (and so the efficiency report) measures a
    gradual-grouping config as the grouped network it deploys to, and
    ``--from-json --recount`` recounts an earlier run's rows the same way
    (a run made when the maskable convs were counted dense)."""
    from mmseg_efficient.deploy.bench import run_benchmark
    from mmseg_efficient.utils import config_complexity, load_config
    shape = (32, 64)
    deployed = config_complexity(load_config(GG_P2), shape)
    (row, ) = run_benchmark([GG_P2], ['pytorch'], shape, warmup=0, iters=1)
    assert row['status'] == 'ok'
    assert row['params'] == deployed['params'] == config_complexity(
        load_config(ESSNET_DG2), shape, flops=False)['params']
    assert row['gmacs'] == pytest.approx(deployed['gmacs'])
    report = _load_tool('tools/analysis_tools/efficiency_report.py')
    old = [dict(row, params=1, gmacs=1.0, conv_gmacs=1.0, median_ms=5.0),
           dict(config=GG_P2, status='failed', error='x')]
    report.recount(old, shape)
    assert (old[0]['params'], old[0]['median_ms']) == (row['params'], 5.0)
    assert old[0]['gmacs'] == pytest.approx(deployed['gmacs'])
    assert 'params' not in old[1]
    with pytest.raises(SystemExit):
        report.main(['configs', '--recount', '--out', 'x'])
    assert '--recount re-renders an earlier run' in capsys.readouterr().err
