# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Painted test results that explain themselves."""
import os
import os.path as osp
from typing import Optional

import cv2
import mmcv
import numpy as np
from mmseg.registry import VISUALIZERS
from mmseg.visualization import SegLocalVisualizer

__all__ = ['SegPairVisualizer']

_FONT = cv2.FONT_HERSHEY_SIMPLEX


def _text_strip(width: int, texts, height: int) -> np.ndarray:
    """A white strip with one centred black title per equal-width column."""
    strip = np.full((height, width, 3), 255, np.uint8)
    col = width // len(texts)
    scale = height / 40
    for i, text in enumerate(texts):
        (tw, th), _ = cv2.getTextSize(text, _FONT, scale, 1)
        x = i * col + max(0, (col - tw) // 2)
        cv2.putText(strip, text, (x, (height + th) // 2), _FONT, scale,
                    (0, 0, 0), 1, cv2.LINE_AA)
    return strip


def _legend(width: int, entries, row_height: int) -> np.ndarray:
    """Colour swatches and class names, wrapped over as many rows as
    needed. ``entries``: ``(name, (r, g, b))``."""
    scale = row_height / 40
    pad = max(2, row_height // 5)
    box = row_height - 2 * pad
    rows, row, x = [], [], pad
    for name, color in entries:
        (tw, _), _ = cv2.getTextSize(name, _FONT, scale, 1)
        item = box + pad + tw + 2 * pad
        if row and x + item > width:
            rows.append(row)
            row, x = [], pad
        row.append((x, name, color))
        x += item
    if row:
        rows.append(row)
    legend = np.full((row_height * max(1, len(rows)), width, 3), 255,
                     np.uint8)
    for r, items in enumerate(rows):
        y0 = r * row_height
        for x, name, color in items:
            cv2.rectangle(legend, (x, y0 + pad), (x + box, y0 + pad + box),
                          tuple(int(c) for c in color), -1)
            cv2.rectangle(legend, (x, y0 + pad), (x + box, y0 + pad + box),
                          (0, 0, 0), 1)
            cv2.putText(legend, name, (x + box + pad, y0 + pad + box), _FONT,
                        scale, (0, 0, 0), 1, cv2.LINE_AA)
    return legend


@VISUALIZERS.register_module()
class SegPairVisualizer(SegLocalVisualizer):
    """mmseg's ``SegLocalVisualizer`` whose painted pairs are titled
    "ground truth" and "prediction", carry a legend of the classes they
    show, and, with ``paint_dir``, are saved as ``paint_dir/<image
    stem>.png`` (mmseg's visualizer saves ``vis_data/vis_image/
    test_<image file name>_<step>.png``).

    ``tools/test.py --show-dir DIR`` uses it.

    Args:
        name (str): The instance name (mmengine's ManagerMixin). Default:
            'visualizer'.
        paint_dir (str, optional): Where painted images are written, one
            file per image named after it. Default: None (mmseg's
            behaviour: the visualizer's backends).
        title_height (int): Height in pixels of the title strip; the legend
            rows are as high. Default: 24.
        **kwargs: As for ``SegLocalVisualizer``.
    """

    def __init__(self, name: str = 'visualizer',
                 paint_dir: Optional[str] = None, title_height: int = 24,
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.paint_dir = paint_dir
        self.title_height = title_height

    def _present(self, data_sample, keys):
        ids = set()
        for key in keys:
            if key in data_sample:
                ids |= set(
                    np.unique(data_sample.get(key).cpu().data).tolist())
        return sorted(ids)

    def add_datasample(self, name: str, image: np.ndarray, data_sample=None,
                       draw_gt: bool = True, draw_pred: bool = True,
                       show: bool = False, wait_time: float = 0,
                       out_file: Optional[str] = None, step: int = 0,
                       with_labels: Optional[bool] = True) -> None:
        classes = self.dataset_meta.get('classes', None)
        palette = self.dataset_meta.get('palette', None)
        panels, titles, keys = [], [], []
        if data_sample is not None and classes is not None:
            for key, title, wanted in (('gt_sem_seg', 'ground truth',
                                        draw_gt),
                                       ('pred_sem_seg', 'prediction',
                                        draw_pred)):
                if wanted and key in data_sample:
                    panels.append(
                        self._draw_sem_seg(image, data_sample.get(key),
                                           classes, palette, with_labels))
                    titles.append(title)
                    keys.append(key)
        if not panels:  # depth maps, no classes: mmseg's own drawing
            return super().add_datasample(name, image, data_sample, draw_gt,
                                          draw_pred, show, wait_time,
                                          out_file, step, with_labels)
        drawn = np.concatenate(panels, axis=1)
        width = drawn.shape[1]
        entries = [(classes[i], palette[i])
                   for i in self._present(data_sample, keys)
                   if 0 <= i < len(classes)]
        drawn = np.concatenate([
            _text_strip(width, titles, self.title_height), drawn,
            _legend(width, entries, self.title_height)
        ], axis=0)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is None and self.paint_dir is not None:
            stem = osp.splitext(name)[0]
            for mode in ('test_', 'val_'):  # the hook's window-name prefix
                if stem.startswith(mode):
                    stem = stem[len(mode):]
            os.makedirs(self.paint_dir, exist_ok=True)
            out_file = osp.join(self.paint_dir, stem + '.png')
        if out_file is not None:
            mmcv.imwrite(mmcv.rgb2bgr(drawn), out_file)
        else:
            self.add_image(name, drawn, step)
