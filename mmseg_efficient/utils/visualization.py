# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""A class legend under a painted segmentation (mmseg's visualizer writes
class names onto the regions; a legend stays readable on small images)."""
from typing import Sequence

import cv2
import numpy as np


def add_legend(image: np.ndarray,
               classes: Sequence[str],
               palette: Sequence[Sequence[int]],
               label_ids: Sequence[int],
               row_height: int = 18) -> np.ndarray:
    """Return ``image`` (H x W x 3, RGB) with a white strip below it that
    shows the colour and name of each class in ``label_ids``.

    Args:
        image (np.ndarray): The painted image, uint8 RGB.
        classes (Sequence[str]): Class names (``dataset_meta['classes']``).
        palette (Sequence): RGB colour per class
            (``dataset_meta['palette']``).
        label_ids (Sequence[int]): The classes to list, in this order; ids
            outside ``classes`` (e.g. 255, ignored) are left out.
        row_height (int): Height of one legend row in pixels. Default: 18.

    Returns:
        np.ndarray: Same width as ``image``, taller by the legend's rows.
    """
    width = image.shape[1]
    font, scale, thick = cv2.FONT_HERSHEY_SIMPLEX, 0.4, 1
    box = row_height - 6
    entries, x, rows = [], 0, 1
    for i in label_ids:
        if not 0 <= int(i) < len(classes):
            continue
        name = str(classes[int(i)])
        w = box + 4 + cv2.getTextSize(name, font, scale, thick)[0][0] + 10
        if x and x + w > width:  # next row
            x, rows = 0, rows + 1
        entries.append((x, (rows - 1) * row_height, name, palette[int(i)]))
        x += w
    strip = np.full((rows * row_height, width, 3), 255, np.uint8)
    for x, y, name, color in entries:
        cv2.rectangle(strip, (x + 2, y + 3), (x + 2 + box, y + 3 + box),
                      tuple(int(c) for c in color), -1)
        cv2.putText(strip, name, (x + box + 6, y + row_height - 5), font,
                    scale, (0, 0, 0), thick, cv2.LINE_AA)
    return np.concatenate([image, strip], axis=0)
