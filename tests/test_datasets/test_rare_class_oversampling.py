# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Rare-class oversampling: per-epoch composition, crops, the cached index,
and disjoint shares under 2-process DDP."""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import textwrap
from collections import Counter

import cv2
import numpy as np
import pytest
from mmengine.dataset import DefaultSampler
from mmengine.registry import init_default_scope

import mmseg_efficient  # noqa: F401  (registers the plugin)
from mmseg.registry import DATASETS
from mmseg_efficient.datasets import rare_class_oversampling as rco

from conftest import REPO  # noqa: E402

init_default_scope('mmseg')
RARE = [3, 4, 5, 12, 14, 15, 16, 17, 18]


@pytest.fixture
def data(street_data, tmp_path):
    """A private copy (the index file is written next to the labels)."""
    root = str(tmp_path / 'street')
    shutil.copytree(street_data, root)
    return root


def _cfg(root, num_extra=3, **kwargs):
    return dict(
        type='RareClassOversampledDataset',
        rare_classes=RARE,
        num_extra=num_extra,
        dataset=dict(
            type='CityscapesDataset',
            data_root=root,
            data_prefix=dict(
                img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='LoadAnnotations'),
                dict(type='RareClassRandomCrop', crop_size=(32, 48)),
            ]),
        **kwargs)


def test_epoch_composition_and_crops(data):
    ds = DATASETS.build(_cfg(data))
    base = len(ds.dataset)
    counts = ds.class_counts
    present = [c for c in RARE if (counts[:, c] > 0).any()]
    assert present and ds.sampled_classes == tuple(present)
    assert len(ds) == base + 3 * len(present)
    np.random.seed(0)
    sampler = DefaultSampler(ds, shuffle=True, seed=0)
    seen = Counter()
    base_seen = []
    for idx in sampler:
        res = ds[idx]
        rare = res.get('rare_class')
        if idx < base:
            assert rare is None
            base_seen.append(idx)
            continue
        seen[rare] += 1
        # a random image that contains the class, cropped so it holds it
        assert res['img'].shape[:2] == (32, 48)
        assert (res['gt_seg_map'] == rare).any()
        img = osp.relpath(res['img_path'], data)
        i = [osp.relpath(d['img_path'], data)
             for d in ds.dataset.load_data_list()].index(img)
        assert counts[i, rare] > 0
    assert sorted(base_seen) == list(range(base))
    assert seen == {c: 3 for c in present}
    # pixel counts agree with the label files
    info = ds.dataset.get_data_info(0)
    label = cv2.imread(info['seg_map_path'], cv2.IMREAD_UNCHANGED)
    assert counts[0].tolist() == np.bincount(
        label[label < 19], minlength=19).tolist()


def test_index_is_cached_next_to_the_labels(data, monkeypatch):
    ds = DATASETS.build(_cfg(data))
    index = osp.join(data, 'gtFine', 'train', 'class_pixel_index.json')
    assert osp.isfile(index)
    calls = []
    original = rco.label_class_counts

    def counting(info, num_classes):
        calls.append(info['seg_map_path'])
        return original(info, num_classes)

    monkeypatch.setattr(rco, 'label_class_counts', counting)
    again = DATASETS.build(_cfg(data))
    assert calls == []  # read from the cache
    assert np.array_equal(again.class_counts, ds.class_counts)
    # a changed label file is recounted, and only that one
    path = ds.dataset.get_data_info(0)['seg_map_path']
    label = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    label[:] = 16  # all train
    cv2.imwrite(path, label)
    os.utime(path, ns=(0, 12345))
    fresh = DATASETS.build(_cfg(data))
    assert calls == [path]
    assert fresh.class_counts[0, 16] == label.size
    assert 0 in fresh.images_per_class[16]


def test_bad_arguments(data):
    with pytest.raises(ValueError, match='rare_classes'):
        DATASETS.build(dict(_cfg(data), rare_classes=[3, 19]))
    with pytest.raises(ValueError, match='num_extra'):
        DATASETS.build(dict(_cfg(data), num_extra=-1))
    ds = DATASETS.build(dict(_cfg(data), num_extra=0))
    assert len(ds) == len(ds.dataset)


WORKER = textwrap.dedent('''
    import json, os, sys
    import numpy as np
    import torch.distributed as dist
    dist.init_process_group('gloo')
    rank = dist.get_rank()
    from mmengine.registry import init_default_scope
    import mmseg_efficient
    from mmengine.dataset import DefaultSampler, InfiniteSampler
    from mmseg.registry import DATASETS
    from mmseg_efficient.datasets import rare_class_oversampling as rco
    init_default_scope('mmseg')
    calls = []
    original = rco.label_class_counts
    def counting(info, n):
        calls.append(1)
        return original(info, n)
    rco.label_class_counts = counting
    cfg = json.loads(sys.argv[1])
    ds = DATASETS.build(cfg)
    np.random.seed(rank)
    out = dict(rank=rank, len=len(ds), base=len(ds.dataset),
               counted=len(calls), classes=list(ds.sampled_classes))
    records = []
    for idx in DefaultSampler(ds, shuffle=True, seed=0, round_up=False):
        res = ds[idx]
        rare = res.get('rare_class')
        records.append([idx, rare,
                        None if rare is None
                        else bool((res['gt_seg_map'] == rare).any())])
    out['default'] = records
    it = iter(InfiniteSampler(ds, shuffle=True, seed=0))
    out['infinite'] = [next(it) for _ in range(len(ds) // 2)]
    with open(os.path.join(sys.argv[2], f'rank{rank}.json'), 'w') as f:
        json.dump(out, f)
    dist.barrier()
    dist.destroy_process_group()
''')


@pytest.mark.slow
def test_two_process_ddp_shares_are_disjoint(data, tmp_path):
    worker = tmp_path / 'worker.py'
    worker.write_text(WORKER)
    cfg = _cfg(data, num_extra=2)  # even length: equal infinite shares
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1',
               PYTHONUNBUFFERED='1')
    proc = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
         '--master_port=29731', str(worker), json.dumps(cfg), str(tmp_path)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    ranks = [json.loads((tmp_path / f'rank{r}.json').read_text())
             for r in (0, 1)]
    n, base = ranks[0]['len'], ranks[0]['base']
    classes = ranks[0]['classes']
    assert n == base + 2 * len(classes) and n % 2 == 0
    # the index is counted once, by rank 0; rank 1 reads the file
    assert ranks[0]['counted'] == base and ranks[1]['counted'] == 0
    shares = [[r[0] for r in rk['default']] for rk in ranks]
    assert not set(shares[0]) & set(shares[1])
    assert sorted(shares[0] + shares[1]) == list(range(n))
    extras = Counter(r[1] for rk in ranks for r in rk['default']
                     if r[1] is not None)
    assert extras == {c: 2 for c in classes}
    assert all(r[2] for rk in ranks for r in rk['default'] if r[1] is not None)
    inf = [rk['infinite'] for rk in ranks]
    assert not set(inf[0]) & set(inf[1])
    assert sorted(inf[0] + inf[1]) == list(range(n))
