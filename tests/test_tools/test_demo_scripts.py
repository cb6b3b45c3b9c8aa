# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""demo/image_demo.py and demo/video_demo.py on both backends (PyTorch
checkpoint, ONNX file of tools/deploy/export.py), the onnxruntime segmentor
behind them and the class legend, on a generated image and a generated
5-frame video with a tiny checkpoint of the demo config (random weights)."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO, load_tool, run_tool, write_cfg

pytest.importorskip('onnxruntime', reason='pip install -e ".[deploy]"')

from mmseg.apis import inference_model  # noqa: E402

from mmseg_efficient.deploy import (ORTSegmentor, config_dataset_meta,  # noqa
                                    init_backend_model)
from mmseg_efficient.utils import add_legend  # noqa: E402

DEMO_CFG = osp.join(REPO, 'configs', 'demo',
                    'essnet-d_ups_1xb4-600i_streetscenes-128x256.py')
IMG_HW = (90, 170)
VIDEO_HW = (64, 128)


@pytest.fixture(scope='module')
def demo_files(tmp_path_factory):
    """The demo config at a small test scale, a checkpoint of its model
    (random weights, dataset_meta as training saves it), its ONNX exports
    (dynamic and 32x64 static), an image and a 5-frame MJPG video."""
    from mmseg.apis import init_model
    root = tmp_path_factory.mktemp('demo')
    cfg = write_cfg(root, 'demo_small.py', f"""
_base_ = ['{DEMO_CFG}']
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(128, 64), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
""")
    torch.manual_seed(0)
    model = init_model(cfg, None, device='cpu')
    meta = config_dataset_meta(model.cfg)
    ckpt = str(root / 'tiny.pth')
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': meta}}, ckpt)
    export = load_tool('tools/deploy/export.py')
    export.main([cfg, ckpt, '--out', str(root / 'dyn'), '--shape', '64',
                 '128', '--dynamic'])
    export.main([cfg, ckpt, '--out', str(root / 'static'), '--shape', '32',
                 '64'])
    rng = np.random.default_rng(0)
    img = str(root / 'img.png')
    cv2.imwrite(img, rng.integers(0, 256, (*IMG_HW, 3), dtype=np.uint8))
    video = str(root / 'video.avi')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             VIDEO_HW[::-1])
    for _ in range(5):
        writer.write(rng.integers(0, 256, (*VIDEO_HW, 3), dtype=np.uint8))
    writer.release()
    return dict(root=root, cfg=cfg, ckpt=ckpt, img=img, video=video,
                onnx=str(root / 'dyn' / 'demo_small.onnx'),
                static=str(root / 'static' / 'demo_small.onnx'))


def test_onnxruntime_segmentor_matches_pytorch(demo_files):
    """inference_model on the ONNX file: mmseg's pipeline, preprocessing
    and post-processing around onnxruntime give the PyTorch model's logits
    at the image's size."""
    f = demo_files
    torch_model = init_backend_model(f['cfg'], f['ckpt'])
    ort_model = init_backend_model(f['cfg'], None, backend='onnxruntime',
                                   onnx_file=f['onnx'])
    assert isinstance(ort_model, ORTSegmentor)
    ref = inference_model(torch_model, f['img'])
    got = inference_model(ort_model, f['img'])
    assert got.pred_sem_seg.shape == ref.pred_sem_seg.shape == IMG_HW
    diff = (got.seg_logits.data - ref.seg_logits.data).abs().max()
    assert diff < 1e-4
    # without a checkpoint the classes come from the config's dataset
    assert ort_model.dataset_meta == torch_model.dataset_meta
    assert len(ort_model.dataset_meta['classes']) == 19
    # a list of arrays (BGR, as cv2 reads them): onnxruntime runs them one
    # by one (the export's batch is 1)
    frame = cv2.imread(f['img'])
    batch = inference_model(ort_model, [frame, frame[::-1]])
    assert [r.pred_sem_seg.shape for r in batch] == [IMG_HW, IMG_HW]
    assert torch.equal(batch[0].pred_sem_seg.data, got.pred_sem_seg.data)


def test_static_onnx_resizes_input_with_a_warning(demo_files):
    f = demo_files
    model = init_backend_model(f['cfg'], f['ckpt'], backend='onnxruntime',
                               onnx_file=f['static'])
    assert model.static_size == (32, 64)
    with pytest.warns(UserWarning, match=r'fixed input size \(32, 64\)'):
        result = inference_model(model, f['img'])
    assert result.pred_sem_seg.shape == IMG_HW


def test_backend_errors_name_the_culprit(demo_files, tmp_path):
    f = demo_files
    with pytest.raises(ValueError, match='onnx_file'):
        init_backend_model(f['cfg'], f['ckpt'], backend='onnxruntime')
    with pytest.raises(ValueError, match='needs a checkpoint'):
        init_backend_model(f['cfg'], None)
    with pytest.raises(ValueError, match="'tensorrt'"):
        init_backend_model(f['cfg'], f['ckpt'], backend='tensorrt')
    slide = write_cfg(tmp_path, 'slide.py', f"""
_base_ = ['{f['cfg']}']
model = dict(test_cfg=dict(mode='slide', crop_size=(64, 64), stride=(32, 32)))
""")
    with pytest.raises(ValueError, match="test_cfg.mode is 'slide'"):
        init_backend_model(slide, None, backend='onnxruntime',
                           onnx_file=f['onnx'])


@pytest.mark.parametrize('argv, message', [
    (['IMG', 'CFG'], 'the pytorch backend needs CHECKPOINT'),
    (['IMG', 'CFG', 'CKPT', '--backend', 'onnxruntime'],
     '--backend onnxruntime needs --onnx FILE'),
    (['IMG', 'CFG', 'CKPT', '--opacity', '0'], '--opacity must be in'),
])
def test_demo_argument_errors(argv, message, capsys):
    image_demo = load_tool('demo/image_demo.py')
    video_demo = load_tool('demo/video_demo.py')
    for demo, extra in ((image_demo, []), (video_demo, ['--show'])):
        with pytest.raises(SystemExit):
            demo.parse_args(argv + extra)
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit):
        video_demo.parse_args(['VIDEO', 'CFG', 'CKPT'])
    assert '--show and/or --output-file' in capsys.readouterr().err


def test_video_demo_names_unreadable_video(demo_files, tmp_path):
    video_demo = load_tool('demo/video_demo.py')
    missing = str(tmp_path / 'missing.avi')
    with pytest.raises(SystemExit, match='missing.avi'):
        video_demo.main([missing, demo_files['cfg'], demo_files['ckpt'],
                         '--output-file', str(tmp_path / 'out.avi')])


def test_add_legend_lists_the_classes():
    image = np.zeros((20, 200, 3), np.uint8)
    palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255]]
    out = add_legend(image, ['road', 'sidewalk', 'building'], palette,
                     [0, 2, 255])  # 255 (ignored) is left out
    assert out.shape[1] == 200 and out.shape[0] > 20
    assert (out[:20] == image).all()
    legend = out[20:].reshape(-1, 3).tolist()
    assert [255, 0, 0] in legend and [0, 0, 255] in legend
    assert [0, 255, 0] not in legend  # class 1 is not in the ids
    many = add_legend(image, [f'class {i}' for i in range(19)],
                      [[i, i, i] for i in range(19)], range(19))
    assert many.shape[0] > out.shape[0]  # wraps onto more rows


def _video_frames(path):
    cap = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


@pytest.mark.slow
@pytest.mark.parametrize('backend', ['pytorch', 'onnxruntime'])
def test_image_demo_script(demo_files, backend, tmp_path):
    f = demo_files
    out = str(tmp_path / 'painted.png')
    args = ['demo/image_demo.py', f['img'], f['cfg'], f['ckpt'],
            '--out-file', out, '--backend', backend]
    if backend == 'onnxruntime':
        args += ['--onnx', f['onnx']]
    proc = run_tool(args)
    assert f'{f["img"]}: 170x90, {backend} ' in proc.stdout
    assert 'FPS' in proc.stdout and proc.stdout.strip().endswith(out)
    painted = cv2.imread(out)
    assert painted.shape == (*IMG_HW, 3)
    assert (painted != cv2.imread(f['img'])).any()  # a mask was painted
    run_tool(args + ['--legend'])
    assert cv2.imread(out).shape[0] > IMG_HW[0]  # the legend below


@pytest.mark.slow
@pytest.mark.parametrize('backend', ['pytorch', 'onnxruntime'])
def test_video_demo_script(demo_files, backend, tmp_path):
    f = demo_files
    out = str(tmp_path / 'painted.avi')
    args = ['demo/video_demo.py', f['video'], f['cfg'], f['ckpt'],
            '--output-file', out, '--backend', backend]
    if backend == 'onnxruntime':
        args += ['--onnx', f['onnx']]
    proc = run_tool(args)
    assert f'{f["video"]}: 5 frames 128x64, {backend} ' in proc.stdout
    assert 'FPS segmentation' in proc.stdout
    frames = _video_frames(out)
    assert len(frames) == 5
    assert all(fr.shape == (*VIDEO_HW, 3) for fr in frames)


@pytest.mark.slow
def test_run_demo_ends_with_a_painted_validation_image(tmp_path):
    """make demo's chain in miniature (4 train / 1 val scenes, 2
    iterations): its last step paints a validation image with a legend."""
    work_dir = tmp_path / 'work'
    proc = run_tool(['tools/run_demo.py', '--data-root',
                     str(tmp_path / 'street'), '--work-dir', str(work_dir),
                     '--num-train', '4', '--num-val', '1', '--iters', '2',
                     '--shape', '64', '128'])
    painted = str(work_dir / 'val_prediction.png')
    assert 'demo/image_demo.py' in proc.stdout  # the command, printed
    last = proc.stdout.strip().splitlines()[-2]  # before the closing ====
    assert last == f'painted validation image (class legend below): ' \
        f'{painted}'
    image = cv2.imread(painted)
    assert image.shape[1] == 512 and image.shape[0] > 256  # legend below
