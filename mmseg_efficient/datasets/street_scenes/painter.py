# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The painter: a pinhole camera that fills image and label together,
and the geometry helpers of the scenes."""
from typing import List, Tuple

import cv2
import numpy as np


_SHIFT = 3  # fixed-point bits for sub-pixel drawing
_ONE = 1 << _SHIFT
_Z_MIN = 0.3  # nearest depth projected (metres)


def _fixed(pts: np.ndarray) -> np.ndarray:
    """Image coordinates -> fixed-point int32 points for cv2.

    cv2 copes with coordinates far outside the image, so nothing is clipped
    (clipping vertices would bend the edges that cross the image).
    """
    return np.round(pts * _ONE).astype(np.int32)


def _colour(c) -> Tuple[float, float, float]:
    return tuple(min(255.0, max(0.0, float(v))) for v in c)


class _Painter:
    """Draws into an RGB image and a label-id map through a pinhole camera.

    World coordinates are metres: X to the right, Y up from the ground, Z
    forward. Polygons and polylines are given either as a list of ``(K, 3)``
    arrays or as one ``(N, K, 3)`` array (projected in one go). Every drawing
    call takes a ``color`` (image, anti-aliased; None leaves the image alone)
    and a ``label`` (label-id map; None leaves it alone), so details such as
    windows change the image only.

    Args:
        width (int): Image width.
        height (int): Image height.
        focal (float): Focal length in pixels.
        cx (float): Column of the vanishing point.
        cy (float): Row of the horizon.
        cam_h (float): Camera height above the ground in metres.
    """

    def __init__(self, width: int, height: int, focal: float, cx: float,
                 cy: float, cam_h: float) -> None:
        self.w, self.h = width, height
        self.focal, self.cx, self.cy, self.cam_h = focal, cx, cy, cam_h
        self.img = np.zeros((height, width, 3), dtype=np.uint8)
        self.lab = np.zeros((height, width), dtype=np.uint8)

    def project(self, pts) -> np.ndarray:
        """Project world points ``(..., 3)`` to image points ``(..., 2)``."""
        pts = np.asarray(pts, dtype=np.float64)
        inv_z = self.focal / np.maximum(pts[..., 2], _Z_MIN)
        out = np.empty(pts.shape[:-1] + (2, ))
        out[..., 0] = self.cx + pts[..., 0] * inv_z
        out[..., 1] = self.cy + (self.cam_h - pts[..., 1]) * inv_z
        return out

    def px(self, metres: float, z: float) -> float:
        """Size in pixels of ``metres`` seen fronto-parallel at depth z."""
        return self.focal * metres / max(z, _Z_MIN)

    def _pixels(self, polys, world: bool) -> List[np.ndarray]:
        """Project (if ``world``) and convert polygons for cv2."""
        if isinstance(polys, np.ndarray):
            return list(_fixed(self.project(polys) if world else polys))
        if len(polys) == 1:
            one = polys[0]
            return [_fixed(self.project(one) if world else one)]
        lengths = np.cumsum([len(q) for q in polys])[:-1]
        flat = np.concatenate(polys)
        flat = _fixed(self.project(flat) if world else flat)
        return np.split(flat, lengths)

    def fill(self, polys, color=None, label=None, world: bool = True) -> None:
        """Fill polygons (world coordinates, or image ones if not ``world``).
        """
        if len(polys) == 0:
            return
        pts = self._pixels(polys, world)
        if color is not None:
            cv2.fillPoly(self.img, pts, _colour(color), cv2.LINE_AA, _SHIFT)
        if label is not None:
            cv2.fillPoly(self.lab, pts, int(label), cv2.LINE_8, _SHIFT)

    def fill_2d(self, polys, color=None, label=None) -> None:
        """Fill image-space polygons."""
        self.fill(polys, color, label, world=False)

    def lines(self, polylines, thick_m: float, color=None, label=None,
              closed: bool = False) -> None:
        """Draw world polylines ``thick_m`` metres thick (at least 1 px)."""
        if len(polylines) == 0:
            return
        if isinstance(polylines, np.ndarray):
            z = float(polylines[..., 2].mean())
        else:
            z = float(np.mean([q[:, 2].mean() for q in polylines]))
        thick = max(1, int(round(self.px(thick_m, z))))
        pts = self._pixels(polylines, True)
        if color is not None:
            cv2.polylines(self.img, pts, closed, _colour(color), thick,
                          cv2.LINE_AA, _SHIFT)
        if label is not None:
            cv2.polylines(self.lab, pts, closed, int(label), thick,
                          cv2.LINE_8, _SHIFT)

    def ellipse(self, centre, rx_m: float, ry_m: float, color=None,
                label=None) -> None:
        """Fill a fronto-parallel ellipse with radii in metres."""
        z = float(centre[2])
        c = _fixed(self.project(centre))
        centre_px = (int(c[0]), int(c[1]))
        axes = (max(1, int(self.px(rx_m, z) * _ONE)),
                max(1, int(self.px(ry_m, z) * _ONE)))
        if color is not None:
            cv2.ellipse(self.img, centre_px, axes, 0, 0, 360, _colour(color),
                        -1, cv2.LINE_AA, _SHIFT)
        if label is not None:
            cv2.ellipse(self.lab, centre_px, axes, 0, 0, 360, int(label), -1,
                        cv2.LINE_8, _SHIFT)


def _plane(origin, axis, pts_av) -> np.ndarray:
    """Map 2-D points ``(..., 2)`` (along ``axis``, up) on a vertical plane
    through ``origin`` to 3-D points ``(..., 3)``."""
    pts_av = np.asarray(pts_av, dtype=np.float64)
    out = np.asarray(origin, dtype=np.float64) + \
        pts_av[..., :1] * np.asarray(axis, dtype=np.float64)
    out[..., 1] += pts_av[..., 1]
    return out


def _rect(a0: float, v0: float, a1: float, v1: float) -> np.ndarray:
    """Corners of an axis-aligned rectangle in plane coordinates."""
    return np.array([[a0, v0], [a1, v0], [a1, v1], [a0, v1]],
                    dtype=np.float64)


def _ground_rect(x0: float, x1: float, z0: float, z1: float) -> np.ndarray:
    """A rectangle on the ground (X in [x0, x1], Z in [z0, z1])."""
    return np.array([[x0, 0, z0], [x1, 0, z0], [x1, 0, z1], [x0, 0, z1]],
                    dtype=np.float64)


def _ground_disc(x: float, z: float, r: float) -> np.ndarray:
    """A disc of radius ``r`` on the ground, as a 3-D polygon."""
    c = _circle(x, z, r, 12)
    return np.stack([c[:, 0], np.zeros(len(c)), np.maximum(c[:, 1], 0.5)], 1)


def _circle(cx: float, cy: float, r: float, n: int = 14) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], axis=1)


_X_AXIS = (1.0, 0.0, 0.0)
_Z_AXIS = (0.0, 0.0, 1.0)
