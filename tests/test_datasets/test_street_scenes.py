# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Tests for the procedural street-scene generator and its CLI."""
import glob
import hashlib
import importlib.util
import os
import os.path as osp
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest

from mmseg_efficient.datasets import street_scenes as ss

from conftest import REPO as REPO_ROOT  # noqa: E402
CLI = osp.join(REPO_ROOT, 'tools', 'misc', 'generate_street_data.py')

# The official Cityscapes mapping (cityscapesscripts/helpers/labels.py),
# written out here independently of the module under test.
OFFICIAL_LABEL_TO_TRAIN = {
    7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9,
    23: 10, 24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18
}
OFFICIAL_VOID = {0, 1, 2, 3, 4, 5, 6, 9, 10, 14, 15, 16, 18, 29, 30}
CLASSES = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole',
           'traffic light', 'traffic sign', 'vegetation', 'terrain', 'sky',
           'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle',
           'bicycle')
NUM_TRAIN, NUM_VAL, SIZE = 40, 6, (256, 128)
STEM_RE = re.compile(r'^(?P<city>[a-z][a-z0-9-]*)_(?P<seq>\d{6})_(?P<frame>'
                     r'\d{6})$')
SUFFIXES = {
    'leftImg8bit': ('_leftImg8bit.png', ),
    'gtFine': ('_gtFine_labelIds.png', '_gtFine_labelTrainIds.png'),
}


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    """A 40 + 6 image dataset at 256x128 (about a second to make)."""
    out = str(tmp_path_factory.mktemp('street') / 'street_scenes')
    summary = ss.generate_street_scenes(out, num_train=NUM_TRAIN,
                                        num_val=NUM_VAL, size=SIZE, seed=0)
    return out, summary


def _read(path):
    return cv2.imread(path, cv2.IMREAD_UNCHANGED)


def _tree_digest(root):
    digest = {}
    for path in sorted(glob.glob(osp.join(root, '**', '*.png'),
                                 recursive=True)):
        with open(path, 'rb') as f:
            digest[osp.relpath(path, root)] = hashlib.sha1(
                f.read()).hexdigest()
    return digest


def test_layout_and_file_names(dataset):
    out, summary = dataset
    assert osp.isfile(osp.join(out, ss.MANIFEST_NAME))
    assert summary['counts'] == {'train': NUM_TRAIN, 'val': NUM_VAL}
    for split, num in (('train', NUM_TRAIN), ('val', NUM_VAL)):
        cities = set()
        for top, suffixes in SUFFIXES.items():
            files = glob.glob(osp.join(out, top, split, '*', '*'))
            assert len(files) == num * len(suffixes)
            for path in files:
                city = osp.basename(osp.dirname(path))
                name = osp.basename(path)
                suffix = next((s for s in suffixes if name.endswith(s)), None)
                assert suffix is not None, path
                m = STEM_RE.match(name[:-len(suffix)])
                assert m and m['city'] == city and m['frame'] == '000019'
                cities.add(city)
                if top == 'leftImg8bit':  # every image has both labels
                    stem = name[:-len(suffix)]
                    for s in SUFFIXES['gtFine']:
                        assert osp.isfile(osp.join(out, 'gtFine', split, city,
                                                   stem + s))
        assert cities == set(ss.DEFAULT_CITIES[split])
    params = ss.dataset_params(NUM_TRAIN, NUM_VAL, SIZE, 0)
    assert ss.is_complete(out, params)
    assert not ss.is_complete(out, ss.dataset_params(NUM_TRAIN, NUM_VAL,
                                                     SIZE, 1))


def test_mmseg_cityscapes_dataset_loads(dataset):
    out, _ = dataset
    import mmseg_efficient  # noqa: F401  (registers into mmseg)
    from mmengine.registry import DefaultScope
    from mmseg.registry import DATASETS
    for split, num in (('train', NUM_TRAIN), ('val', NUM_VAL)):
        # configs run with default_scope='mmseg': without it the pipeline's
        # LoadAnnotations would resolve to mmcv's detection loader
        with DefaultScope.overwrite_default_scope('mmseg'):
            ds = DATASETS.build(dict(
                type='CityscapesDataset', data_root=out,
                data_prefix=dict(img_path=f'leftImg8bit/{split}',
                                 seg_map_path=f'gtFine/{split}'),
                pipeline=[dict(type='LoadImageFromFile'),
                          dict(type='LoadAnnotations')]))
            items = [ds[0], ds[num - 1]]
        assert len(ds) == num
        assert ds.metainfo['classes'] == CLASSES
        for item in items:
            assert item['img'].shape == (SIZE[1], SIZE[0], 3)
            seg = item['gt_seg_map']
            assert seg.shape == (SIZE[1], SIZE[0])
            assert set(np.unique(seg)) <= set(range(19)) | {255}
            assert item['seg_map_path'].endswith('_gtFine_labelTrainIds.png')


def test_labels_valid_and_consistent(dataset):
    out, summary = dataset
    lut = np.full(256, 255, dtype=np.uint8)
    for label_id, train_id in OFFICIAL_LABEL_TO_TRAIN.items():
        lut[label_id] = train_id
    counts = np.zeros(256, dtype=np.int64)
    for img_path in glob.glob(osp.join(out, 'leftImg8bit', 'train', '*',
                                       '*.png')):
        stem = img_path.replace('leftImg8bit', 'gtFine', 1)[:-len(
            '_leftImg8bit.png')]
        img = _read(img_path)
        label_ids = _read(stem + '_gtFine_labelIds.png')
        train_ids = _read(stem + '_gtFine_labelTrainIds.png')
        assert img.dtype == np.uint8 and img.shape == (SIZE[1], SIZE[0], 3)
        for lab in (label_ids, train_ids):
            assert lab.dtype == np.uint8 and lab.shape == img.shape[:2]
        assert set(np.unique(train_ids)) <= set(range(19)) | {255}
        assert set(np.unique(label_ids)) <= (set(OFFICIAL_LABEL_TO_TRAIN) |
                                             OFFICIAL_VOID)
        np.testing.assert_array_equal(lut[label_ids], train_ids)
        counts += np.bincount(train_ids.ravel(), minlength=256)
    reported = summary['pixel_counts']['train']
    assert [reported[c] for c in CLASSES] == counts[:19].tolist()
    assert reported['void'] == counts[255]


def test_class_presence_and_imbalance(dataset):
    _, summary = dataset
    counts = summary['pixel_counts']['train']
    frac = summary['class_fractions']['train']
    missing = [c for c in CLASSES if counts[c] == 0]
    assert not missing, f'classes never drawn: {missing}'
    dominant = ('road', 'building', 'sky', 'vegetation')
    assert sum(frac[c] for c in dominant) > 0.5
    for c in CLASSES:  # each dominant class beats every rare one
        if c not in dominant + ('car', 'sidewalk'):
            assert frac[c] < min(frac[d] for d in dominant), c
    for rare in ('rider', 'train', 'motorcycle'):
        assert 0 < frac[rare] < 0.02, (rare, frac[rare])
    assert 0 < frac['void'] < 0.2
    assert abs(sum(frac.values()) - 1) < 1e-9


def test_deterministic_and_parallel(tmp_path):
    kwargs = dict(num_train=4, num_val=2, size=(128, 64))
    ss.generate_street_scenes(str(tmp_path / 'a'), seed=3, **kwargs)
    ss.generate_street_scenes(str(tmp_path / 'b'), seed=3, workers=2,
                              **kwargs)
    ss.generate_street_scenes(str(tmp_path / 'c'), seed=4, **kwargs)
    # fewer images: the first ones are unchanged (one stream per image)
    ss.generate_street_scenes(str(tmp_path / 'd'), seed=3, num_train=2,
                              num_val=1, size=(128, 64),
                              cities={'train': ['aachen'],
                                      'val': ['frankfurt']})
    a, b, c = (_tree_digest(str(tmp_path / k)) for k in 'abc')
    assert len(a) == 18 and a == b
    assert set(a) == set(c)
    assert all(a[k] != c[k] for k in a if 'leftImg8bit' in k)
    d = _tree_digest(str(tmp_path / 'd'))
    assert d['leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit'
             '.png'] == a['leftImg8bit/train/aachen/aachen_000000_000019_'
                          'leftImg8bit.png']


def test_scene_is_resolution_independent():
    small = ss.render_scene(np.random.default_rng(7), (128, 64))[1]
    big = ss.render_scene(np.random.default_rng(7), (256, 128))[1]
    big = cv2.resize(big, (128, 64), interpolation=cv2.INTER_NEAREST)
    assert (small != big).mean() < 0.1


@pytest.mark.parametrize('kwargs, bad', [
    (dict(size=(0, 64)), '0'),
    (dict(size=(128, -64)), '-64'),
    (dict(size=(127, 64)), '127'),
    (dict(size=(128, 64.0)), '64.0'),
    (dict(size=(128, )), '(128,)'),
    (dict(num_train=-1), '-1'),
    (dict(num_val=2.5), '2.5'),
    (dict(num_train=0, num_val=0), 'both 0'),
    (dict(seed=-3), '-3'),
    (dict(workers=0), '0'),
    (dict(cities={'train': ['Bad_City'], 'val': ['lindau']}), "'Bad_City'"),
    (dict(cities={'train': ['aachen']}), "{'train': ['aachen']}"),
])
def test_bad_arguments(tmp_path, kwargs, bad):
    args = dict(num_train=1, num_val=1, size=(128, 64))
    args.update(kwargs)
    with pytest.raises(ValueError, match=re.escape(bad)):
        ss.generate_street_scenes(str(tmp_path), **args)
    assert not os.listdir(tmp_path)  # nothing written


def _load_cli():
    spec = importlib.util.spec_from_file_location('generate_street_data', CLI)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_skips_complete_dataset_and_forces(tmp_path, capsys):
    cli = _load_cli()
    out = str(tmp_path / 'data')
    argv = ['--out', out, '--num-train', '2', '--num-val', '1', '--width',
            '64', '--height', '32']
    assert cli.main(argv) == 0
    text = capsys.readouterr().out
    assert 'road' in text and 'motorcycle' in text  # the class table
    image = glob.glob(osp.join(out, 'leftImg8bit', 'train', '*', '*'))[0]
    os.utime(image, (0, 0))
    assert cli.main(argv) == 0
    assert 'nothing to do' in capsys.readouterr().out
    assert os.stat(image).st_mtime == 0  # not regenerated
    # other parameters: old files are replaced, stale ones removed
    assert cli.main(argv[:3] + ['1'] + argv[4:]) == 0
    assert len(glob.glob(osp.join(out, '*', '*', '*', '*'))) == 2 * 3
    assert cli.main(argv + ['--force']) == 0
    assert os.stat(image).st_mtime != 0
    assert cli.main(argv + ['--width', '63']) == 2
    assert '63' in capsys.readouterr().err


def test_cli_refuses_foreign_dataset(tmp_path, capsys):
    cli = _load_cli()
    foreign = tmp_path / 'cityscapes' / 'leftImg8bit' / 'train'
    foreign.mkdir(parents=True)
    (foreign / 'keep.png').write_bytes(b'x')
    argv = ['--out', str(tmp_path / 'cityscapes'), '--num-train', '1',
            '--num-val', '1', '--width', '64', '--height', '32']
    assert cli.main(argv) == 1
    assert 'Refusing' in capsys.readouterr().err
    assert (foreign / 'keep.png').exists()


@pytest.mark.slow
def test_cli_runs_as_a_script_and_plugin_import_skips_the_generator(
        tmp_path):
    """The CLI imports the generator normally; ``import mmseg_efficient``
    (every training process) does not import it."""
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    res = subprocess.run(
        [sys.executable, CLI, '--out', str(tmp_path / 'o'), '--num-train',
         '1', '--num-val', '1', '--width', '64', '--height', '32'],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert 'Class pixel fractions' in res.stdout
    probe = subprocess.run(
        [sys.executable, '-c', 'import mmseg_efficient, sys; '
         "print(sorted(m for m in sys.modules if 'street' in m))"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip().splitlines()[-1] == '[]'


@pytest.mark.parametrize('flag', ['--num-train', '--num-val'])
def test_cli_refuses_an_empty_split(tmp_path, capsys, flag):
    argv = ['--out', str(tmp_path / 'o'), '--num-train', '1', '--num-val',
            '1', '--width', '64', '--height', '32', flag, '0']
    assert _load_cli().main(argv) == 2
    err = capsys.readouterr().err
    assert flag in err and 'split would be missing' in err
    assert not osp.exists(tmp_path / 'o')


def test_cli_out_that_is_a_file_is_a_one_line_error(tmp_path, capsys):
    target = tmp_path / 'notes.txt'
    target.write_text('keep me')
    argv = ['--out', str(target), '--num-train', '1', '--num-val', '1',
            '--width', '64', '--height', '32']
    assert _load_cli().main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(target) in err
    assert 'is a file' in err
    assert target.read_text() == 'keep me'


def test_failed_generation_leaves_nothing_behind(tmp_path, monkeypatch):
    from mmseg_efficient.datasets.street_scenes import writer
    real = writer._render_jobs
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the first chunk is on disk by now
            raise OSError('disk full (simulated)')
        return real(*args, **kwargs)

    monkeypatch.setattr(writer, '_render_jobs', failing)
    fresh = tmp_path / 'fresh'
    with pytest.raises(OSError, match='simulated'):
        ss.generate_street_scenes(str(fresh), num_train=6, num_val=1,
                                  size=(64, 32))
    assert not osp.exists(fresh)
    # an existing root keeps its own files; only the new folders go
    kept = tmp_path / 'kept'
    kept.mkdir()
    (kept / 'README').write_text('mine')
    calls.clear()
    with pytest.raises(OSError, match='simulated'):
        ss.generate_street_scenes(str(kept), num_train=6, num_val=1,
                                  size=(64, 32))
    assert sorted(os.listdir(kept)) == ['README']
