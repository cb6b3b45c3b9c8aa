# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Compare the efficiency report's latencies with a dedicated
``benchmark.py`` run of some of its models.

For every (config, backend) measured by both, prints the two medians and
their difference in percent (the report's relative to the dedicated run),
flagging those beyond ``--tolerance`` (10%), and the machines both runs
recorded (a different CPU or thread count makes the comparison void).
Configs are matched by file, so ``configs/x.py`` and its absolute path are
the same. The exit status is 1 when a difference exceeds the tolerance.
Not part of CI.

Example (docs/efficiency.md, after both runs):
    python tools/analysis_tools/compare_timings.py \
        docs/efficiency/efficiency.json docs/efficiency/bench_dedicated.json
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401
from mmseg_efficient.deploy.bench import load_benchmark_json  # noqa: E402
from mmseg_efficient.utils import (cpu_summary,  # noqa: E402
                                   resolve_config_path)


def _tag(row):
    return row['backend'] + (':deploy' if row.get('deploy') else '')


def compare(report_rows, bench_rows, resolve):
    """``(config, tag, report ms, dedicated ms, difference)`` for every
    timed (config, backend) in both; the difference is relative to the
    dedicated run."""
    def table(rows):
        return {(resolve(r['config']), _tag(r)): r for r in rows
                if r.get('status') == 'ok' and r.get('median_ms')
                and not r.get('same_as')}

    report, bench = table(report_rows), table(bench_rows)
    out = []
    for key, ded in bench.items():
        if key in report:
            ours = report[key]['median_ms']
            out.append((ded['config'], key[1], ours, ded['median_ms'],
                        ours / ded['median_ms'] - 1))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('report', help="the report's efficiency.json")
    parser.add_argument('benchmark', help="benchmark.py's --out JSON")
    parser.add_argument('--tolerance', type=float, default=10.0,
                        help='allowed difference, percent')
    args = parser.parse_args(argv)
    with open(args.report) as f:
        report = json.load(f)
    if not isinstance(report, dict) or 'rows' not in report:
        parser.error(f'{args.report} is not an efficiency_report.py JSON '
                     '(no "rows")')
    bench = load_benchmark_json(args.benchmark)

    def resolve(config):
        try:
            return osp.realpath(resolve_config_path(config))
        except FileNotFoundError:
            return config

    machines = ((report.get('run') or {}).get('machine'), bench['machine'])
    print(f'report:    {cpu_summary(machines[0])}')
    print(f'dedicated: {cpu_summary(machines[1])}')
    if all(machines) and any(machines[0][k] != machines[1][k] for k in (
            'model', 'isa', 'torch_threads', 'ort_threads')):
        print('WARNING: the two runs are from different machines or thread '
              'counts')
    rows = compare(report['rows'], bench['rows'], resolve)
    if not rows:
        parser.error('no (config, backend) timed in both runs')
    bad = 0
    for config, tag, ours, ded, diff in rows:
        over = abs(diff) * 100 > args.tolerance
        bad += over
        print(f'{osp.splitext(osp.basename(config))[0]} [{tag}]: report '
              f'{ours:.1f} ms, dedicated {ded:.1f} ms, {100 * diff:+.1f}%' +
              (f'  > {args.tolerance:g}%' if over else ''))
    print(f'{len(rows) - bad} of {len(rows)} within {args.tolerance:g}%')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
