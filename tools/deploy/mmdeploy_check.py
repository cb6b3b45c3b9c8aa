# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Deploy a config with mmdeploy and check the result against PyTorch.

Runs what mmdeploy's ``tools/deploy.py`` runs -- ``torch2onnx``, then the
onnxruntime backend model's ``test_step`` -- and checks, image by image:

* logits: the ONNX graph's output against the PyTorch model's
  ``encode_decode`` on the same preprocessed input (mmdeploy's
  ``create_input`` + data preprocessor), max abs difference <= ``--atol``
  (deploy configs with ``with_argmax=False`` only);
* mask size: the backend's ``pred_sem_seg`` has the image's size;
* labels: the backend's labels against mmseg's ``inference_model`` on the
  checkpoint (agreement in % of pixels; with random weights the logits are
  near ties, so only a trained checkpoint makes this meaningful).

Without CKPT the model keeps seeded random weights (written to
``WORK_DIR/random.pth`` so that mmdeploy and PyTorch use the same ones).
mmdeploy 1.3.1 installs with ``pip install --no-deps -r
requirements/mmdeploy.txt`` (its own pin ``protobuf<=3.20.2`` conflicts with
today's onnxruntime, which it does not need).

Example:
    python tools/deploy/mmdeploy_check.py \\
        configs/demo/essnet-d_ups_1xb4-600i_streetscenes-128x256.py \\
        work_dirs/demo/iter_600.pth \\
        --deploy-cfg tools/deploy/mmdeploy/segmentation_onnxruntime_static-256x512.py \\
        --images data/street_scenes/leftImg8bit/val --work-dir work_dirs/mmdeploy
"""
import argparse
import glob
import json
import os
import os.path as osp
import sys
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import _bootstrap  # noqa: E402,F401
import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Deploy with mmdeploy (ONNX + onnxruntime) and compare '
        'with the PyTorch model')
    parser.add_argument('config', help='segmentation config')
    parser.add_argument('checkpoint', nargs='?', default=None,
                        help='checkpoint (default: seeded random weights)')
    parser.add_argument('--deploy-cfg', required=True,
                        help='mmdeploy deploy config, e.g. tools/deploy/'
                        'mmdeploy/segmentation_onnxruntime_static-256x512.py')
    parser.add_argument('--images', nargs='+', required=True,
                        help='image files or folders (the first one is '
                        'used to trace the export)')
    parser.add_argument('--work-dir', required=True,
                        help='where end2end.onnx is written')
    parser.add_argument('--max-images', type=int, default=10)
    parser.add_argument('--atol', type=float, default=1e-4)
    parser.add_argument('--min-agreement', type=float, default=None,
                        help='fail below this label agreement (%%) with '
                        'inference_model')
    return parser.parse_args(argv)


def list_images(items: List[str], limit: int) -> List[str]:
    files = []
    for item in items:
        if osp.isdir(item):
            files += sorted(
                f for f in glob.glob(osp.join(item, '**', '*'),
                                     recursive=True)
                if f.lower().endswith(('.png', '.jpg', '.jpeg', '.bmp')))
        elif osp.isfile(item):
            files.append(item)
        else:
            raise FileNotFoundError(f'--images: {item} does not exist')
    if not files:
        raise FileNotFoundError(f'--images: no image under {items}')
    return files[:limit]


def mmdeploy_check(model_cfg: Config,
                   deploy_cfg_path: str,
                   images: List[str],
                   work_dir: str,
                   checkpoint: Optional[str] = None,
                   seed: int = 0) -> dict:
    """Export ``model_cfg`` with mmdeploy and compare it with PyTorch.

    Returns:
        dict: ``onnx`` (path), ``with_argmax``, and ``images``: per image
        ``max_abs_diff`` (None with argmax in the graph), ``mask_shape``,
        ``image_shape`` and ``agreement`` (% of pixels whose label equals
        ``inference_model``'s).
    """
    from mmdeploy.apis import torch2onnx
    from mmdeploy.apis.utils import build_task_processor
    from mmdeploy.utils import get_codebase_config, get_input_shape, \
        load_config
    from mmseg.apis import inference_model, init_model

    from mmseg_efficient.utils import build_segmentor
    os.makedirs(work_dir, exist_ok=True)
    if checkpoint is None:
        torch.manual_seed(seed)
        checkpoint = osp.join(work_dir, 'random.pth')
        torch.save(dict(meta=dict(seed=seed),
                        state_dict=build_segmentor(model_cfg).state_dict()),
                   checkpoint)
    deploy_cfg, model_cfg = load_config(deploy_cfg_path, model_cfg)
    onnx_name = deploy_cfg.onnx_config.save_file
    torch2onnx(images[0], work_dir, onnx_name, deploy_cfg, model_cfg,
               checkpoint, 'cpu')
    processor = build_task_processor(model_cfg, deploy_cfg, 'cpu')
    backend = processor.build_backend_model([osp.join(work_dir, onnx_name)])
    pytorch = processor.build_pytorch_model(checkpoint)
    # mmdeploy's model has no cfg: inference_model needs init_model's
    reference = init_model(model_cfg, checkpoint, device='cpu')
    with_argmax = get_codebase_config(deploy_cfg).get('with_argmax', True)
    input_shape = get_input_shape(deploy_cfg)
    report = dict(onnx=osp.join(work_dir, onnx_name),
                  with_argmax=with_argmax, images=[])
    for path in images:
        data, _ = processor.create_input(path, input_shape)
        entry = dict(image=path, max_abs_diff=None)
        with torch.no_grad():
            if not with_argmax:
                batch = backend.data_preprocessor(data, False)
                inputs = batch['inputs']
                onnx_logits = backend.wrapper(
                    {backend.input_name: inputs})[backend.output_names[0]]
                torch_logits = pytorch.encode_decode(
                    inputs, [s.metainfo for s in batch['data_samples']])
                entry['max_abs_diff'] = float(
                    (onnx_logits - torch_logits).abs().max())
            mask = backend.test_step(data)[0].pred_sem_seg.data[0]
            ref = inference_model(reference, path).pred_sem_seg.data[0]
        entry['image_shape'] = list(cv2.imread(path).shape[:2])
        entry['mask_shape'] = list(mask.shape)
        entry['agreement'] = (100.0 * float((mask == ref).float().mean())
                              if mask.shape == ref.shape else 0.0)
        report['images'].append(entry)
    return report


def main(argv=None):
    args = parse_args(argv)
    from mmseg_efficient.utils import load_config as load_model_config
    images = list_images(args.images, args.max_images)
    report = mmdeploy_check(load_model_config(args.config),
                            args.deploy_cfg, images, args.work_dir,
                            args.checkpoint)
    failures = []
    for entry in report['images']:
        diff = entry['max_abs_diff']
        print(f'{osp.basename(entry["image"])}: mask '
              f'{entry["mask_shape"]} (image {entry["image_shape"]}), '
              + (f'max |logit diff| {diff:.2e}, ' if diff is not None else '')
              + f'labels equal to inference_model: {entry["agreement"]:.2f} %')
        if diff is not None and diff > args.atol:
            failures.append(f'{entry["image"]}: logits differ by {diff:.2e} '
                            f'> --atol {args.atol}')
        if entry['mask_shape'] != entry['image_shape']:
            failures.append(f'{entry["image"]}: mask {entry["mask_shape"]} '
                            f'!= image {entry["image_shape"]}')
    agreement = float(np.mean([e['agreement'] for e in report['images']]))
    diffs = [e['max_abs_diff'] for e in report['images']
             if e['max_abs_diff'] is not None]
    print(f'{len(report["images"])} images, ONNX {report["onnx"]}: '
          + (f'max |logit diff| {max(diffs):.2e}, ' if diffs else '')
          + f'mean label agreement with inference_model {agreement:.2f} %')
    if args.min_agreement is not None and agreement < args.min_agreement:
        failures.append(f'label agreement {agreement:.2f} % < '
                        f'--min-agreement {args.min_agreement}')
    with open(osp.join(args.work_dir, 'mmdeploy_check.json'), 'w') as f:
        json.dump(dict(report, failures=failures), f, indent=1)
    if failures:
        raise SystemExit('mmdeploy check failed:\n  ' + '\n  '.join(failures))


if __name__ == '__main__':
    main()
