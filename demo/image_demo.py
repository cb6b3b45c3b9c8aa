# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Segment one image and paint the prediction onto it (mmseg's
``demo/image_demo.py``, also for the ONNX file of tools/deploy/export.py).

Examples:
    python demo/image_demo.py IMG CONFIG CKPT --out-file out.png
    python demo/image_demo.py IMG CONFIG [CKPT] --out-file out.png \
        --backend onnxruntime --onnx work_dirs/deploy/NAME.onnx
"""
import os.path as osp
import sys
import time
import warnings
from argparse import ArgumentParser

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                            'tools'))
import _bootstrap  # noqa: E402,F401  (import mmseg_efficient first)
import mmcv  # noqa: E402
from mmseg.apis import inference_model, show_result_pyplot  # noqa: E402

from mmseg_efficient.deploy import (add_model_arguments,  # noqa: E402
                                    check_model_arguments,
                                    init_backend_model)
from mmseg_efficient.utils import add_legend  # noqa: E402


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('img', help='Image file')
    add_model_arguments(parser)
    parser.add_argument('--out-file', help='Path to write the painted image '
                        '(default: show it in a window)')
    parser.add_argument('--with-labels', action='store_true',
                        help='Write the class names onto the regions')
    parser.add_argument('--legend', action='store_true',
                        help='Add a class legend below the image')
    parser.add_argument('--title', default='result', help='Window title')
    args = parser.parse_args(argv)
    check_model_arguments(parser, args)
    return args


def main(argv=None):
    args = parse_args(argv)
    model = init_backend_model(args.config, args.checkpoint, args.device,
                               args.backend, args.onnx)
    inference_model(model, args.img)  # warm-up
    start = time.perf_counter()
    result = inference_model(model, args.img)
    seconds = time.perf_counter() - start
    # show_result_pyplot asks for a file backend without a folder: noise
    warnings.filterwarnings('ignore', 'Failed to add .*LocalVisBackend')
    painted = show_result_pyplot(
        model, args.img, result, opacity=args.opacity, title=args.title,
        draw_gt=False, show=False, with_labels=args.with_labels)
    if args.legend:
        ids = result.pred_sem_seg.data.unique().tolist()
        painted = add_legend(painted, model.dataset_meta['classes'],
                             model.dataset_meta['palette'], ids)
    if args.out_file:
        mmcv.imwrite(mmcv.rgb2bgr(painted), args.out_file)
    else:
        mmcv.imshow(mmcv.rgb2bgr(painted), args.title)
    h, w = result.pred_sem_seg.shape
    print(f'{args.img}: {w}x{h}, {args.backend} {seconds * 1e3:.1f} ms '
          f'({1 / seconds:.1f} FPS, 1 run after 1 warm-up, incl. pre/post-'
          'processing)'
          + (f' -> {args.out_file}' if args.out_file else ''))


if __name__ == '__main__':
    main()
