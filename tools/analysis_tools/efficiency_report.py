# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""One efficiency table and one Pareto plot for many configs, measured side
by side in one run.

For each config: params, GMACs (``get_flops.py``'s counter, all counted
operators), peak activation memory of the eager forward, latency on each
``--backend`` (models and backends timed interleaved, see
``benchmark.py``) with the achieved GMAC/s (GMACs / median latency) and its
percentage of the machine's dense-conv peak (a 3x3 conv 64 -> 64 at batch 1
on a 128x256 map timed on each runtime in the same rounds), and, where
the config's ``metafile.yaml`` records them, the published Cityscapes mIoU
and the paper's params / GFLOPs (the ``Paper Claim``'s ``Parameters`` /
``FLOPs (G)`` / ``FLOPs Input``, or ``Paper Parameters`` / ``Paper FLOPs
(G)`` metadata keys) with the relative difference of ours, plus the
relative difference to the metafile's own ``Parameters`` (a stale metafile
shows up there).
``--peers`` adds mmseg's real-time models (ERFNet, Fast-SCNN, BiSeNetV2,
CGNet, STDC1, PIDNet-S, DDRNet23-slim, SegFormer-B0, MobileNetV3-LRASPP)
with their published Cityscapes mIoU from mmseg's metafiles. A folder
given as CONFIG stands for every config under it (``_base_`` excluded).

The networks are timed in chunks of ``--chunk-size`` (default 8), each in a
fresh process together with the ``--anchor`` configs (default: ESSNet-DG2):
a chunk holds about as many runners as a dedicated ``benchmark.py`` run
and nothing of the other chunks (in one process all ~150 runners' memory,
arenas and thread pools stay resident, and a round of every network holds
more distinct convolutions than eager PyTorch's oneDNN caches keep), while
the anchors, timed in every chunk, show how the machine's load moved from
chunk to chunk (their per-chunk medians and spread are in the header; a
job competing for the cores slows 2-thread runtimes up to 2x).
``--chunk-size 0`` times everything in one process. The header and
``efficiency.json`` record the CPU (``cpu_info``: model, cores available,
ISA level, torch's and onnxruntime's threads) and the probe.

Outputs in ``--out``: ``efficiency.md`` (Markdown table), ``efficiency.csv``,
``efficiency.json`` (the raw rows and the run's command, duration and
load; ``--from-json`` renders the table, CSV and plot again from it, e.g.
after a metafile changed, without measuring; with ``--recount`` it also
recounts the run's params and GMACs with ``get_flops.py``'s counting,
``mmseg_efficient.utils.config_complexity``, e.g. after the counting
changed: timings and memory stay the run's) and ``pareto.png`` (latency
on the
``--plot-backend`` on x, published mIoU on y, ours and peers in two
colours, the Pareto front drawn). Weights are random: latency and memory do
not depend on them; mIoU is always the published one. Runs recorded before
the machine, the probe or the chunks were (older ``efficiency.json``)
render with "–" there.

Example (docs/efficiency.md):
    python tools/analysis_tools/efficiency_report.py configs --peers \
        --shape 512 1024 --threads 2 --out docs/efficiency
"""
import argparse
import csv
import glob
import json
import os
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401
import torch  # noqa: E402

from mmseg_efficient.deploy.bench import (BACKENDS, PROBE,  # noqa: E402
                                          check_backends, plan_chunks,
                                          run_benchmark, run_chunked)
from mmseg_efficient.utils import (config_complexity, cpu_info,  # noqa
                                   cpu_summary, load_config,
                                   resolve_config_path)

#: The default anchor, timed in every chunk: the deployed ESSNet-DG2 (as
#: given from the repository's root, else its path there).
ANCHOR = 'configs/essnet/essnet-dg2_ups_1xb6-75k_cityscapes-512x1024.py'
if not osp.isfile(ANCHOR):
    ANCHOR = osp.join(_bootstrap.REPO_ROOT, ANCHOR)


#: mmseg's real-time models: (label, config).
PEERS = (
    ('ERFNet', 'mmseg::erfnet/erfnet_fcn_4xb4-160k_cityscapes-512x1024.py'),
    ('Fast-SCNN',
     'mmseg::fastscnn/fast_scnn_8xb4-160k_cityscapes-512x1024.py'),
    ('BiSeNetV2',
     'mmseg::bisenetv2/bisenetv2_fcn_4xb4-160k_cityscapes-1024x1024.py'),
    ('CGNet', 'mmseg::cgnet/cgnet_fcn_4xb8-60k_cityscapes-512x1024.py'),
    ('STDC1', 'mmseg::stdc/stdc1_in1k-pre_4xb12-80k_cityscapes-512x1024.py'),
    ('PIDNet-S', 'mmseg::pidnet/pidnet-s_2xb6-120k_1024x1024-cityscapes.py'),
    ('DDRNet23-slim', 'mmseg::ddrnet/'
     'ddrnet_23-slim_in1k-pre_2xb6-120k_cityscapes-1024x1024.py'),
    ('SegFormer-B0', 'mmseg::segformer/'
     'segformer_mit-b0_8xb1-160k_cityscapes-1024x1024.py'),
    ('MobileNetV3-LRASPP', 'mmseg::mobilenet_v3/'
     'mobilenet-v3-d8_lraspp_4xb4-320k_cityscapes-512x1024.py'),
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Params, GMACs, peak memory, latency per backend and '
        'published mIoU of many configs: Markdown, CSV, Pareto plot')
    parser.add_argument('config', nargs='*',
                        help='config files or folders (every config under '
                        'a folder, _base_ excluded)')
    parser.add_argument('--peers', action='store_true',
                        help="add mmseg's real-time models")
    parser.add_argument('--shape', type=int, nargs=2, default=[512, 1024],
                        metavar=('H', 'W'))
    parser.add_argument('--backend', nargs='+',
                        default=['pytorch', 'onnxruntime:deploy'],
                        metavar='BACKEND',
                        help='backends as in benchmark.py (' +
                        ', '.join(BACKENDS) + ', optionally ":deploy"); '
                        'default: pytorch onnxruntime:deploy')
    parser.add_argument('--plot-backend',
                        help='backend on the plot (default: the last one)')
    parser.add_argument('--threads', type=int, default=None,
                        help='CPU threads (default: torch default)')
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--chunk-size', type=int, default=8,
                        help='networks timed per process (each chunk a '
                        'fresh process with the anchors); 0: all in one '
                        'process')
    parser.add_argument('--anchor', nargs='*', default=[ANCHOR],
                        metavar='CONFIG',
                        help='configs timed in every chunk (default: '
                        'ESSNet-DG2); none with a bare --anchor')
    parser.add_argument('--out', default='work_dirs/efficiency',
                        help='output folder')
    parser.add_argument('--no-dedupe', action='store_true',
                        help='measure configs that build the same deployed '
                        'network again (default: once, the table repeats '
                        'the numbers)')
    parser.add_argument('--from-json', metavar='JSON',
                        help="render an earlier run's efficiency.json "
                        '(its configs, backends and shape) into --out '
                        'without measuring')
    parser.add_argument('--recount', action='store_true',
                        help="with --from-json: recount the run's params "
                        'and GMACs with the current counting (as '
                        'get_flops.py; slow: every network at the run\'s '
                        'shape); timings and memory stay the run\'s')
    args = parser.parse_args(argv)
    if args.recount and not args.from_json:
        parser.error('--recount re-renders an earlier run: give --from-json')
    if args.from_json:
        if not osp.isfile(args.from_json):
            parser.error(f'--from-json: no file {args.from_json}')
        try:
            with open(args.from_json) as f:
                saved = json.load(f)
        except ValueError as err:  # JSONDecodeError, bad UTF-8
            parser.error(f'--from-json: {args.from_json} is not valid JSON '
                         f'(truncated or corrupt?): {err}')
        if not isinstance(saved, dict) or 'run' not in saved:
            parser.error(f'--from-json: {args.from_json} has no "run" '
                         'record (not written by this tool)')
        run = saved['run']
        for key in ('config', 'peers', 'shape', 'backend', 'threads',
                    'warmup', 'iters', 'no_dedupe'):
            setattr(args, key, run['args'][key])
        # runs before the chunks: one process, no anchor
        args.chunk_size = run['args'].get('chunk_size', 0)
        args.anchor = run['args'].get('anchor', [])
        args.plot_backend = args.plot_backend or args.backend[-1]
    args.saved = saved if args.from_json else None
    if args.chunk_size < 0:
        parser.error(f'--chunk-size must be >= 0, got {args.chunk_size}')
    for anchor in [] if args.from_json else args.anchor:
        try:
            resolve_config_path(anchor)
        except FileNotFoundError as e:
            parser.error(f'--anchor {anchor}: {e}')
    if not args.config and not args.peers:
        parser.error('give CONFIG(s) and/or --peers')
    try:
        check_backends(args.backend)
    except ValueError as e:
        parser.error(f'--backend: {e}')
    args.plot_backend = args.plot_backend or args.backend[-1]
    if args.plot_backend not in args.backend:
        parser.error(f'--plot-backend {args.plot_backend} is not one of '
                     f'--backend {args.backend}')
    return args


def expand_configs(paths):
    """Config files; a folder stands for every segmentation config under
    it: ``_base_`` files and configs of another scope (the ImageNet
    classifiers of ``configs/pretrain``, ``default_scope='mmpretrain'``)
    are left out."""
    from mmengine.config import Config

    def segmentation(path):
        return Config.fromfile(path).get('default_scope', 'mmseg') == 'mmseg'

    configs = []
    for path in paths:
        if osp.isdir(path):
            found = sorted(
                p for p in glob.glob(osp.join(path, '**', '*.py'),
                                     recursive=True)
                if '_base_' not in p.split(os.sep) and segmentation(p))
            if not found:
                raise FileNotFoundError(f'No config under {path}')
            # the demo-size copies after the full-size configs, so that the
            # full-size ones represent a model measured once (--dedupe)
            configs += sorted(found, key=lambda p: 'streetscenes' in p)
        else:
            resolve_config_path(path)  # fails early, naming the path
            configs.append(path)
    return configs


_NOT_DEPLOYED = ('auxiliary_head', 'train_cfg', 'test_cfg',
                 'data_preprocessor', 'init_cfg', 'loss_decode', 'sampler',
                 'pretrained', 'label_downsample')


def model_signature(config):
    """The deployed model a config builds, as a string: its ``model``
    without training-only keys (auxiliary head, losses, samplers, label
    resizing, dropout rates, init), SyncBN as BN, maskable convs as their
    grouped deploy form. Two configs with the same signature build the same
    network (e.g. a gradual-grouping phase-2 config and the grouped config
    it converts to)."""
    from mmseg_efficient.models.layers.maskable_conv import deploy_conv_cfgs
    from mmseg_efficient.utils import load_config

    def norm(node):
        if isinstance(node, dict):
            return {
                k: norm(v)
                for k, v in sorted(node.items())
                if k not in _NOT_DEPLOYED and 'drop' not in k
                and v is not None
            }
        if isinstance(node, (list, tuple)):
            return [norm(v) for v in node]
        # analysis builds revert SyncBN to BN: the same deployed network
        return 'BN' if node == 'SyncBN' else node

    model = load_config(config).model.to_dict()
    return json.dumps(norm(deploy_conv_cfgs(model)), sort_keys=True,
                      default=str)


def dedupe(configs):
    """``(unique configs, {duplicate: the unique config it equals})``.

    The config measured for a group is the one with the shortest name
    outside the demo-size (streetscenes) copies: the plain thesis config
    rather than its ``-1phase-`` / ``-poly-`` / ``coarse`` variants. The
    unique configs keep the order of ``configs``."""
    groups = {}
    for config in configs:
        groups.setdefault(model_signature(config), []).append(config)
    same_as, chosen = {}, set()
    for members in groups.values():
        rep = min(members, key=lambda c: ('streetscenes' in c,
                                          len(osp.basename(c)), c))
        chosen.add(rep)
        same_as.update({c: rep for c in members if c != rep})
    return [c for c in configs if c in chosen], same_as


def _load_yaml(path):
    import yaml
    with open(path) as f:
        return yaml.safe_load(f)


def _cityscapes_miou(results):
    for res in results if isinstance(results, list) else [results or {}]:
        if str(res.get('Dataset', '')).lower().startswith('cityscapes'):
            miou = (res.get('Metrics') or {}).get('mIoU')
            if miou is not None:
                return float(miou)
    return None


def metafile_entry(config):
    """What the metafile next to ``config`` records about it: ``name``,
    ``miou`` (Cityscapes), ``meta_params``, ``paper_params``,
    ``paper_gflops`` (None where not recorded) and ``paper_flops_input``
    (``'HxW'``, the input of ``paper_gflops``; 512x1024 if not recorded).

    The metafile's own ``FLOPs (G)`` is not read: each family records it at
    its own input size (ESSNet 512x1024, NDNet and ShuffleNetV2 1024x2048,
    EfficientSeg 384x768, KITTI 375x1242), which the metafile does not
    state in a key."""
    path = resolve_config_path(config)
    # the metafile next to the config, else the family's (configs/essnet/
    # metafile.yaml lists configs/essnet/gradual_grouping/*)
    folder = osp.dirname(path)
    meta = osp.join(folder, 'metafile.yaml')
    while not osp.isfile(meta) and osp.basename(
            osp.dirname(folder)) != 'configs' and osp.dirname(
                folder) != folder:
        folder = osp.dirname(folder)
        meta = osp.join(folder, 'metafile.yaml')
    entry = dict(name=osp.splitext(osp.basename(path))[0], miou=None,
                 meta_params=None, paper_params=None, paper_gflops=None,
                 paper_flops_input=None)
    if not osp.isfile(meta):
        return entry
    stem = entry['name']
    for model in (_load_yaml(meta) or {}).get('Models', []):
        cfg = str(model.get('Config', ''))
        if osp.splitext(osp.basename(cfg))[0] != stem:
            continue
        md = model.get('Metadata') or {}

        def num(key):
            value = md.get(key)
            try:
                return float(value)
            except (TypeError, ValueError):
                return None

        claim = model.get('Paper Claim') or {}

        def claimed(key):
            try:
                return float(claim[key])
            except (KeyError, TypeError, ValueError):
                return None

        entry.update(
            name=model.get('Name', stem),
            # our result if trained, else the paper's claim
            miou=_cityscapes_miou(model.get('Results'))
            or _cityscapes_miou(claim),
            meta_params=num('Parameters'),
            # the paper's own numbers: the 'Paper Claim' (essnet's schema)
            # or 'Paper ...' metadata keys
            paper_params=claimed('Parameters') or num('Paper Parameters'),
            paper_gflops=claimed('FLOPs (G)') or num('Paper FLOPs (G)'),
            paper_flops_input=str(claim.get('FLOPs Input', '512x1024')))
        break
    return entry


def _rel(ours, ref):
    if ours is None or not ref:
        return None
    return (ours - ref) / ref


def _fmt(value, spec, empty='–'):
    return empty if value is None else format(value, spec)


def _pct(value):
    return '–' if value is None else f'{100 * value:+.1f}%'


def build_table(rows, backends, labels, peers, shape=(512, 1024)):
    """One record per config, the backends' latencies side by side.

    Our GMACs are compared with the paper's only when measured at the
    paper's input (``FLOPs Input`` of the metafile's claim)."""
    measured_at = f'{shape[0]}x{shape[1]}'
    table = {}
    for row in rows:
        key = row['config']
        rec = table.setdefault(key, dict(
            config=key, label=labels[key], peer=key in peers,
            params=row.get('params'), gmacs=row.get('gmacs'),
            peak_act_mib=row.get('peak_act_mib'),
            same_as=row.get('same_as')))
        tag = row['backend'] + (':deploy' if row.get('deploy') else '')
        ok = row.get('status') == 'ok'
        rec[f'{tag} ms'] = row.get('median_ms') if ok else None
        # runs before the probe have neither: shown as –
        rec[f'{tag} GMAC/s'] = row.get('gmacs_per_s') if ok else None
        rec[f'{tag} % peak'] = row.get('peak_pct') if ok else None
        if row.get('status') != 'ok':
            rec.setdefault('errors', []).append(f'{tag}: {row["error"]}')
    for key, rec in table.items():
        meta = metafile_entry(key)
        rec.update(
            miou=meta['miou'],
            name=meta['name'],
            paper_params=meta['paper_params'],
            paper_gflops=meta['paper_gflops'],
            params_vs_paper=_rel(rec['params'], meta['paper_params']),
            gmacs_vs_paper=_rel(rec['gmacs'], meta['paper_gflops'])
            if meta['paper_flops_input'] == measured_at else None,
            params_vs_metafile=_rel(rec['params'], meta['meta_params']))
    return list(table.values())


def _rate(record, backend):
    """``GMAC/s (% of peak)`` of a record on a backend, – where missing."""
    rate = record.get(f'{backend} GMAC/s')
    if rate is None:
        return '–'
    return f'{rate:.1f} ({_fmt(record.get(f"{backend} % peak"), ".0f")}%)'


def _spread(values):
    """How far apart per-chunk medians are: ``+x% spread`` (max over min);
    over 10% the machine's load changed during the run."""
    spread = max(values) / min(values) - 1
    return f'+{100 * spread:.0f}% spread' + (
        ', the load changed: rerun on a quiet machine' if spread > 0.1
        else '')


def machine_header(run, rows):
    """The header's sentences on the machine, its dense-conv peak and the
    chunks of the run (saying "not recorded" for a run made before)."""
    parts = [f'Machine: {cpu_summary(run.get("machine"))}.']
    peak = run.get('peak')
    if peak:
        parts.append(
            f'Machine peak ({PROBE}, timed in the same rounds): ' +
            ', '.join(f'{k} {v["gmacs_per_s"]:.1f} GMAC/s'
                      for k, v in peak.items()) +
            '. "GMAC/s (% peak)": a network\'s GMACs / its median latency, '
            'and that as a percentage of the peak of its runtime.')
    else:
        parts.append('Machine peak and GMAC/s: not recorded (–).')
    chunks = run.get('chunks')
    if chunks:
        names = ', '.join(osp.splitext(osp.basename(a))[0]
                          for a in chunks['anchors']) or 'none'
        drift = [
            f'{osp.splitext(osp.basename(r["config"]))[0]} '
            f'{r["backend"]}{":deploy" if r.get("deploy") else ""} '
            f'{min(r["chunk_medians"]):.1f}–{max(r["chunk_medians"]):.1f} ms'
            f' ({_spread(r["chunk_medians"])})'
            for r in rows if r.get('chunk_medians') and not r.get('same_as')
        ]
        parts.append(
            f'Timed in {chunks["count"]} chunks of up to '
            f'{chunks["chunk_size"]} networks, each in a fresh process with '
            f'the anchor(s) {names}' +
            (f' (their medians per chunk: {"; ".join(drift)})'
             if drift else '') + '.')
    elif run.get('machine'):
        parts.append('Timed in one process (--chunk-size 0).')
    return ' '.join(parts)


def write_markdown(path, records, backends, command, header):
    cols = ['model', 'params (M)', 'GMACs', 'peak act. (MiB)'] + [
        f'{b} (ms)' for b in backends
    ] + [f'{b} GMAC/s (% peak)' for b in backends] + [
        'mIoU (published)', 'paper params / GFLOPs (ours Δ)',
        'metafile params Δ']
    lines = [header, '', '```bash', command, '```', '',
             '| ' + ' | '.join(cols) + ' |',
             '|' + '|'.join(['---'] + ['---:'] * (len(cols) - 1)) + '|']
    for r in records:
        paper = '–'
        if r['paper_params'] is not None or r['paper_gflops'] is not None:
            paper_m = r['paper_params'] and r['paper_params'] / 1e6
            paper = (f'{_fmt(paper_m, ".3f")}'
                     f' ({_pct(r["params_vs_paper"])}) / '
                     f'{_fmt(r["paper_gflops"], ".2f")} '
                     f'({_pct(r["gmacs_vs_paper"])})')
        meta = _pct(r['params_vs_metafile'])
        name = f'{r["label"]} (mmseg)' if r['peer'] else r['label']
        if r.get('same_as'):
            name += ' ≡'
        cells = [
            f'[{name}]({r["config"]})' if not r['peer'] else name,
            _fmt(r['params'] and r['params'] / 1e6, '.3f'),
            _fmt(r['gmacs'], '.2f'),
            _fmt(r['peak_act_mib'], '.0f')
        ] + [
            _fmt(r.get(f'{b} ms'), '.1f', 'fails') for b in backends
        ] + [_rate(r, b) for b in backends] + [
            _fmt(r['miou'], '.2f'), paper, meta]
        lines.append('| ' + ' | '.join(cells) + ' |')
    same = [r for r in records if r.get('same_as')]
    if same:
        lines += ['', '≡ builds the same deployed network as another config '
                  'of the table (measured once: GMACs, memory and latency '
                  'repeated; params counted as get_flops.py counts them, a '
                  'gradual-grouping config as the grouped network it '
                  'deploys to): ' +
                  '; '.join(f'{r["label"]} = '
                            f'{osp.splitext(osp.basename(r["same_as"]))[0]}'
                            for r in same) + '.']
    errors = [(r['label'], e) for r in records if not r.get('same_as')
              for e in r.get('errors', [])]
    if errors:
        lines += ['', 'Failures:', '']
        lines += [f'- {label}: `{e}`' for label, e in errors]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def write_csv(path, records, backends):
    keys = ['label', 'config', 'peer', 'params', 'gmacs', 'peak_act_mib'] + [
        f'{b} {what}' for what in ('ms', 'GMAC/s', '% peak') for b in backends
    ] + ['miou', 'paper_params', 'paper_gflops', 'params_vs_paper',
         'gmacs_vs_paper', 'params_vs_metafile']
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, keys, extrasaction='ignore')
        writer.writeheader()
        for r in records:
            writer.writerow({k: r.get(k) for k in keys})


def pareto_front(points):
    """Indices of the points no other point beats on both latency (lower)
    and mIoU (higher), sorted by latency."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0],
                                                      -points[i][1]))
    front, best = [], float('-inf')
    for i in order:
        if points[i][1] > best:
            front.append(i)
            best = points[i][1]
    return front


def _place_numbers(ax, xy, numbers, fontsize):
    """Put each number next to its point where it overlaps no number placed
    before (nor its own marker): the first free offset of a few around the
    point, in display space (the plot's scales must be set)."""
    fig = ax.figure
    fig.canvas.draw()
    to_px = ax.transData.transform
    char_w, char_h = 0.62 * fontsize, fontsize  # points
    scale = fig.dpi / 72
    offsets = [(4, 2), (4, -10), (-4, 2), (-4, -10), (4, 10), (-4, 10),
               (4, -18), (-4, -18), (12, -4), (-12, -4), (4, 18), (-4, 18),
               (12, 10), (-12, 10), (12, -16), (-12, -16)]
    r = 3.5 * scale  # the markers are obstacles too
    placed = [(px - r, py - r, px + r, py + r)
              for px, py in (to_px(p) for p in xy)]
    for (x, y), n in sorted(zip(xy, numbers), key=lambda t: t[0]):
        px, py = to_px((x, y))
        text = str(n)
        w, h = len(text) * char_w * scale, char_h * scale
        for dx, dy in offsets:
            left = px + dx * scale - (w if dx < 0 else 0)
            box = (left, py + dy * scale, left + w, py + dy * scale + h)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3]
                       and b[1] < box[3] for b in placed):
                break
        placed.append(box)
        ax.annotate(text, (x, y), xytext=(dx, dy),
                    textcoords='offset points', fontsize=fontsize,
                    ha='right' if dx < 0 else 'left', va='bottom')


def plot_pareto(path, records, backend, title):
    """Latency vs published mIoU, one numbered point per network, with a
    key beside the plot (labels next to the points overlap in the dense
    150-250 ms cluster)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    pts = [(r[f'{backend} ms'], r['miou'], r) for r in records
           if r.get(f'{backend} ms') and r['miou'] is not None
           and not r.get('same_as')]
    pts.sort(key=lambda p: (p[0], -p[1]))
    fig, (ax, key) = plt.subplots(
        1, 2, figsize=(14, 7), gridspec_kw=dict(width_ratios=[2.1, 1]))
    for peer, colour, label in ((False, 'tab:blue', 'mmseg_efficient'),
                                (True, 'tab:orange', 'mmseg peers')):
        sel = [p for p in pts if p[2]['peer'] == peer]
        if sel:
            ax.scatter([p[0] for p in sel], [p[1] for p in sel], c=colour,
                       label=label, s=28, zorder=3)
    front = pareto_front([(p[0], p[1]) for p in pts])
    if len(front) > 1:
        ax.plot([pts[i][0] for i in front], [pts[i][1] for i in front],
                'k--', lw=0.8, label='Pareto front', zorder=2)
    ax.set_xscale('log')
    from matplotlib.ticker import ScalarFormatter
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(ScalarFormatter())
    ax.tick_params(axis='x', which='minor', labelsize=7)
    ax.set_xlabel(f'latency, {backend} (ms, median, log scale)')
    ax.set_ylabel('published Cityscapes val mIoU (%)')
    ax.set_title(title, fontsize=9)
    ax.grid(True, which='both', alpha=0.3)
    ax.legend(fontsize=8, loc='lower right')
    fig.tight_layout()
    numbers = list(range(1, len(pts) + 1))
    _place_numbers(ax, [(p[0], p[1]) for p in pts], numbers, 7)
    key.axis('off')
    lines = [
        f'{n:>2}  {p[2]["label"]}  ({p[0]:.0f} ms, {p[1]:.1f})'
        for n, p in zip(numbers, pts)
    ]
    key.text(0, 1, '\n'.join(lines), va='top', ha='left', fontsize=6.5,
             family='monospace', transform=key.transAxes)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def recount(rows, shape):
    """Recount, in place, the params and GMACs of the rows of an earlier
    run with ``get_flops.py``'s counting (:func:`config_complexity`, e.g. a
    gradual-grouping config as the network it deploys to); timings and
    memory stay the run's. Rows without counts (failed builds) are left
    alone."""
    counted = {}
    for row in rows:
        if row.get('params') is None:
            continue
        config = row['config']
        if config not in counted:
            cx = config_complexity(load_config(config), shape)
            counted[config] = dict(
                params=cx['params'],
                gmacs=cx['gmacs'],
                conv_gmacs=cx['conv_gmacs'])
        row.update(counted[config])


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    listed = expand_configs(args.config)
    labels = {c: osp.splitext(osp.basename(c))[0] for c in listed}
    configs, same_as = (listed, {}) if args.no_dedupe else dedupe(listed)
    peers = set()
    if args.peers:
        for label, cfg in PEERS:
            labels[cfg] = label
            peers.add(cfg)
    peer_configs = [cfg for _, cfg in PEERS] if args.peers else []
    os.makedirs(args.out, exist_ok=True)
    json_path = osp.join(args.out, 'efficiency.json')

    def write_json(rows, run=None):
        tmp = json_path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(dict(run=run or {}, rows=rows), f, indent=2)
        os.replace(tmp, json_path)

    if args.from_json:
        rows, run = args.saved['rows'], args.saved['run']
        if args.recount:
            recount(rows, args.shape)
        measured = {r['config'] for r in rows}
        same_as = {dup: orig for dup, orig in same_as.items()
                   if dup not in measured}  # measured then: keep its rows
        if osp.abspath(args.from_json) != osp.abspath(json_path):
            write_json(rows, run)
    else:
        from mmengine.utils import ProgressBar
        measured = configs + peer_configs
        # an anchor that is a measured config keeps that config's name
        anchors = [
            next((c for c in measured if osp.realpath(resolve_config_path(c))
                  == osp.realpath(resolve_config_path(a))), a)
            for a in args.anchor
        ]
        chunks = (plan_chunks(measured, args.chunk_size, anchors)
                  if args.chunk_size else [measured])
        bar = ProgressBar(sum(len(c) for c in chunks) + len(chunks) *
                          (args.warmup + args.iters))
        start = time.time()
        load_before = os.getloadavg()
        machine = cpu_info()
        info = {}
        kwargs = dict(backends=args.backend, shape=args.shape,
                      warmup=args.warmup, iters=args.iters, device='cpu',
                      flops=True, peak_memory=True, on_update=write_json,
                      progress=bar.update, info=info)
        if args.chunk_size:
            rows = run_chunked(measured, args.chunk_size, anchors, **kwargs)
        else:
            rows = run_benchmark(measured, **kwargs)
        command = (
            'python tools/analysis_tools/efficiency_report.py ' +
            ' '.join(args.config) + (' --peers' if args.peers else '') +
            f' --shape {args.shape[0]} {args.shape[1]}' +
            (f' --threads {args.threads}' if args.threads else '') +
            ' --backend ' + ' '.join(args.backend) +
            f' --warmup {args.warmup} --iters {args.iters}'
            f' --chunk-size {args.chunk_size}' +
            (' --anchor ' + ' '.join(args.anchor) if args.chunk_size else '')
            + f' --out {args.out}')
        run = dict(
            command=command, minutes=(time.time() - start) / 60,
            load_before=load_before[0], load_after=os.getloadavg()[0],
            threads=torch.get_num_threads(), torch=torch.__version__,
            onnxruntime=machine['onnxruntime'], machine=machine,
            peak=info.get('peak'), chunks=info.get('chunks'),
            args={k: getattr(args, k) for k in (
                'config', 'peers', 'shape', 'backend', 'threads', 'warmup',
                'iters', 'no_dedupe', 'chunk_size', 'anchor')})
        write_json(rows, run)
        print()
    for dup, orig in same_as.items():  # the numbers of the same network
        # counted as deployed (config_complexity, as get_flops.py): the
        # same deployed network has the same params
        params = config_complexity(load_config(dup), flops=False)['params']
        rows += [dict(r, config=dup, same_as=orig, params=params)
                 for r in rows if r['config'] == orig]
    order = {c: i for i, c in enumerate(listed + [p for _, p in PEERS])}
    rows.sort(key=lambda r: order.get(r['config'], len(order)))
    # an anchor that is not one of the configs only shows in the header
    records = build_table([r for r in rows if r['config'] in labels],
                          args.backend, labels, peers, args.shape)
    minutes = run['minutes']
    header = (
        f'{len(listed) + len(peer_configs)} configs ({len(configs)} '
        f'distinct networks of ours, {len(peer_configs)} peers), batch 1, '
        f'input {args.shape[0]}x'
        f'{args.shape[1]}, {run["threads"]} CPU threads, random '
        f'weights, median of {args.iters} interleaved runs after '
        f'{args.warmup} warm-up; torch {run["torch"]}, onnxruntime '
        f'{run["onnxruntime"]}; run took {minutes:.1f} min, load '
        f'average (1 min) {run["load_before"]:.1f} before, '
        f'{run["load_after"]:.1f} after. GMACs: all operators get_flops.py '
        'counts. peak act.: peak bytes of the tensors the eager forward '
        'allocates. ":deploy": BN folded, grouped convs, dropout removed '
        '(tools/deploy/export.py). '
        'mIoU: the paper\'s / mmseg\'s published Cityscapes val number, '
        'not ours. ' + machine_header(run, rows))
    if args.from_json:
        header += (f' Rendered from that run\'s {osp.basename(json_path)} '
                   'with --from-json' + (
                       ' --recount (params and GMACs recounted as '
                       'get_flops.py counts them now).'
                       if args.recount else '.'))
        shown = {r['config'] for r in rows}
        missing = [osp.basename(c) for c in listed if c not in shown]
        if missing:
            header += (f' Not in that run (added since; rerun the command '
                       f'to measure them): {", ".join(missing)}.')
    write_markdown(osp.join(args.out, 'efficiency.md'), records,
                   args.backend, run['command'], header)
    write_csv(osp.join(args.out, 'efficiency.csv'), records, args.backend)
    plot_pareto(osp.join(args.out, 'pareto.png'), records,
                args.plot_backend,
                f'{args.plot_backend}, {run["threads"]} threads, '
                f'{args.shape[0]}x{args.shape[1]}, batch 1, ' +
                (run.get('machine') or {}).get('model', 'CPU not recorded') +
                ' (published mIoU, random weights)')
    print(f'wrote {args.out}/efficiency.md, efficiency.csv, '
          f'efficiency.json, pareto.png ({minutes:.1f} min)')
    return records


if __name__ == '__main__':
    main()
