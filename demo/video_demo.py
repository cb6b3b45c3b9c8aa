# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Segment a video or a webcam stream frame by frame and paint the
predictions (mmseg's ``demo/video_demo.py``, also for the ONNX file of
tools/deploy/export.py).

Examples:
    python demo/video_demo.py VIDEO CONFIG CKPT --output-file out.avi
    python demo/video_demo.py 0 CONFIG CKPT --show          # webcam 0
    python demo/video_demo.py VIDEO CONFIG [CKPT] --output-file out.avi \
        --backend onnxruntime --onnx work_dirs/deploy/NAME.onnx
"""
import os.path as osp
import sys
import time
from argparse import ArgumentParser

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                            'tools'))
import _bootstrap  # noqa: E402,F401  (import mmseg_efficient first)
import cv2  # noqa: E402
from mmseg.apis import inference_model  # noqa: E402
from mmseg.visualization import SegLocalVisualizer  # noqa: E402

from mmseg_efficient.deploy import (add_model_arguments,  # noqa: E402
                                    check_model_arguments,
                                    init_backend_model)


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('video', help='Video file or webcam id (0)')
    add_model_arguments(parser)
    parser.add_argument('--show', action='store_true',
                        help='Show the painted frames in a window')
    parser.add_argument('--show-wait-time', type=int, default=1,
                        help='Wait time (ms) after each shown frame')
    parser.add_argument('--output-file', help='Painted video to write')
    parser.add_argument('--output-fourcc', default='MJPG',
                        help='Fourcc of the output video')
    parser.add_argument('--output-fps', type=float, default=-1,
                        help='FPS of the output video (default: the input\'s)')
    args = parser.parse_args(argv)
    if not (args.show or args.output_file):
        parser.error('give --show and/or --output-file')
    check_model_arguments(parser, args)
    return args


def main(argv=None):
    args = parse_args(argv)
    model = init_backend_model(args.config, args.checkpoint, args.device,
                               args.backend, args.onnx)
    visualizer = SegLocalVisualizer(alpha=args.opacity)
    visualizer.dataset_meta = model.dataset_meta

    source = int(args.video) if args.video.isdigit() else args.video
    cap = cv2.VideoCapture(source)
    if not cap.isOpened():
        raise SystemExit(f'cannot open video {args.video!r}')
    writer = None
    frames, t_model, start = 0, 0.0, time.perf_counter()
    while True:
        ok, frame = cap.read()  # BGR, as mmseg's loaders give
        if not ok:
            break
        t0 = time.perf_counter()
        result = inference_model(model, frame)
        t_model += time.perf_counter() - t0
        visualizer.add_datasample(
            'video_demo', cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), result,
            draw_gt=False, with_labels=False)
        painted = cv2.cvtColor(visualizer.get_image(), cv2.COLOR_RGB2BGR)
        if args.show:
            cv2.imshow('video_demo', painted)
            if cv2.waitKey(args.show_wait_time) & 0xFF == ord('q'):
                break
        if args.output_file:
            if writer is None:
                fps = args.output_fps if args.output_fps > 0 else (
                    cap.get(cv2.CAP_PROP_FPS) or 25)
                writer = cv2.VideoWriter(
                    args.output_file,
                    cv2.VideoWriter_fourcc(*args.output_fourcc), fps,
                    (painted.shape[1], painted.shape[0]))
            writer.write(painted)
        frames, (h, w) = frames + 1, frame.shape[:2]
    cap.release()
    if writer is not None:
        writer.release()
    if not frames:
        raise SystemExit(f'no frame could be read from {args.video!r}')
    total = time.perf_counter() - start
    print(f'{args.video}: {frames} frames {w}x{h}, {args.backend} '
          f'{frames / t_model:.1f} FPS segmentation (incl. pre/post-'
          f'processing), {frames / total:.1f} FPS with reading and painting'
          + (f' -> {args.output_file}' if args.output_file else ''))


if __name__ == '__main__':
    main()
