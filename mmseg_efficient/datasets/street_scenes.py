# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Procedural street scenes in the exact Cityscapes layout.

Tests, demos and CI have no real dataset, so the project draws its own: a
pinhole camera at driver height looks down a street with a vanishing point;
road (lane marks, crosswalks), sidewalks, facades with windows, sky, trees,
grass, walls, fences, poles with signs and traffic lights, cars, trucks,
buses, the odd tram, pedestrians and riders on bicycles or motorcycles are
placed in metres and projected, then painted far to near so nearer things
occlude farther ones. Per-object colour jitter, texture noise, shadows, haze
and a per-image exposure make colour alone an unreliable cue, so the task is
learnable but not trivial.

Everything is pure numpy + OpenCV. Each image draws from its own
``np.random.default_rng((seed, split, index))`` so images can be made in any
order or in parallel, and the same seed gives byte-identical PNGs (on the
same numpy / OpenCV build).

Output, exactly like Cityscapes, with ``<stem>`` =
``<city>_<seq:06d>_000019`` (``seq`` counts per city; the frame is 19)::

    out_dir/
        leftImg8bit/{train,val}/<city>/<stem>_leftImg8bit.png
        gtFine/{train,val}/<city>/<stem>_gtFine_labelIds.png
        gtFine/{train,val}/<city>/<stem>_gtFine_labelTrainIds.png
        street_scenes.json    (manifest: parameters, counts, class stats)

``labelIds`` holds official Cityscapes label ids, including some void ones
(ego vehicle, static, ground, parking, rail track); ``labelTrainIds`` is
derived from it through the official mapping (train ids 0..18, 255 void).
"""
import json
import multiprocessing
import os
import os.path as osp
import re
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from numbers import Integral
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import cv2
import numpy as np

__all__ = [
    'CLASSES', 'CLASS_LABEL_IDS', 'IGNORE_INDEX', 'VOID_LABEL_IDS',
    'LABEL_ID_TO_TRAIN_ID', 'DEFAULT_CITIES', 'MANIFEST_NAME',
    'GENERATOR_VERSION', 'generate_street_scenes', 'render_scene',
    'label_ids_to_train_ids', 'dataset_params', 'read_manifest',
    'is_complete', 'expected_files', 'format_class_table'
]

#: The 19 Cityscapes training classes; the index is the train id.
CLASSES = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole',
           'traffic light', 'traffic sign', 'vegetation', 'terrain', 'sky',
           'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle',
           'bicycle')
#: Official Cityscapes label id of each training class (index = train id).
CLASS_LABEL_IDS = (7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27,
                   28, 31, 32, 33)
IGNORE_INDEX = 255
#: The void Cityscapes label ids this generator paints (train id 255).
VOID_LABEL_IDS = {
    'unlabeled': 0,
    'ego vehicle': 1,
    'static': 4,
    'ground': 6,
    'parking': 9,
    'rail track': 10,
}
#: Official label id -> train id lookup table (every other id is void).
LABEL_ID_TO_TRAIN_ID = np.full(256, IGNORE_INDEX, dtype=np.uint8)
LABEL_ID_TO_TRAIN_ID[list(CLASS_LABEL_IDS)] = np.arange(len(CLASSES))

DEFAULT_CITIES = {
    'train': ('aachen', 'bochum', 'bremen', 'cologne', 'darmstadt'),
    'val': ('frankfurt', 'lindau', 'munster'),
}
SPLITS = ('train', 'val')
MANIFEST_NAME = 'street_scenes.json'
#: Bumped whenever the drawing changes, so cached datasets are remade.
GENERATOR_VERSION = 1
_FRAME = 19  # Cityscapes gtFine frames are all ``..._000019``
_CITY_RE = re.compile(r'^[a-z][a-z0-9-]*$')
_MIN_SIZE = 16

# label id of every name used in drawing
_L = dict(zip(CLASSES, CLASS_LABEL_IDS), **VOID_LABEL_IDS)
_GROUND_IDS = [_L[n] for n in ('road', 'sidewalk', 'terrain', 'ground',
                               'parking', 'rail track')]

# Texture amplitude (fine, mid, coarse noise; relative brightness) per label.
_TEXTURE = {
    'road': (0.05, 0.05, 0.08),
    'sidewalk': (0.05, 0.06, 0.08),
    'building': (0.03, 0.05, 0.07),
    'wall': (0.05, 0.08, 0.10),
    'vegetation': (0.12, 0.30, 0.12),
    'terrain': (0.10, 0.16, 0.14),
    'sky': (0.01, 0.01, 0.03),
    'parking': (0.05, 0.05, 0.08),
    'ground': (0.08, 0.10, 0.10),
}


def _texture_luts() -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    luts = np.full((3, 256), 0.03, dtype=np.float32)
    for name, amps in _TEXTURE.items():
        luts[:, _L[name]] = amps
    return luts[0], luts[1], luts[2]


_TEX_FINE, _TEX_MID, _TEX_COARSE = _texture_luts()
_IS_GROUND = np.zeros(256, dtype=bool)
_IS_GROUND[_GROUND_IDS] = True

# Base colours (RGB); every object jitters around one of them.
_PALETTES = {
    'road': [(95, 95, 100), (80, 80, 82), (115, 112, 110), (70, 72, 78)],
    'sidewalk': [(140, 138, 135), (160, 120, 110), (170, 160, 140),
                 (105, 105, 110), (125, 130, 140)],
    'building': [(200, 185, 160), (220, 215, 205), (150, 150, 150),
                 (150, 80, 62), (210, 190, 125), (185, 165, 185),
                 (95, 95, 100), (95, 115, 135), (170, 120, 90)],
    'window': [(40, 45, 55), (70, 85, 100), (110, 130, 150), (30, 30, 30)],
    'wall': [(150, 150, 145), (140, 85, 70), (190, 180, 160), (110, 110, 105)],
    'fence': [(60, 70, 62), (125, 95, 65), (140, 140, 140), (40, 40, 45)],
    'pole': [(120, 120, 125), (55, 75, 62), (40, 40, 42), (160, 160, 155)],
    'vegetation': [(60, 95, 40), (45, 80, 35), (85, 110, 45), (75, 90, 60),
                   (115, 105, 45)],
    'terrain': [(110, 125, 70), (135, 125, 85), (95, 115, 60),
                (150, 140, 110)],
    'car': [(225, 225, 225), (30, 30, 32), (160, 162, 168), (90, 92, 98),
            (30, 45, 90), (150, 25, 25), (200, 200, 190), (60, 90, 70),
            (110, 100, 150), (190, 150, 70)],
    'truck': [(235, 235, 235), (200, 40, 35), (40, 70, 140), (120, 120, 120),
              (230, 200, 60)],
    'bus': [(230, 200, 40), (235, 235, 235), (40, 80, 160), (200, 50, 40),
            (60, 140, 80)],
    'train': [(200, 40, 40), (235, 235, 230), (240, 200, 40), (40, 90, 170)],
    'clothes': [(30, 30, 35), (50, 55, 70), (90, 90, 95), (140, 30, 35),
                (35, 60, 120), (200, 200, 195), (110, 90, 60), (60, 80, 50),
                (190, 150, 60)],
    'skin': [(225, 185, 160), (190, 140, 110), (140, 95, 70), (90, 60, 45)],
    'static': [(60, 90, 60), (110, 110, 115), (150, 60, 40), (60, 60, 65)],
}
_WEATHER = {
    # name: (sky top, sky at horizon, cloudiness range, sunny)
    'clear': ((60, 115, 200), (170, 200, 235), (0.0, 0.4), True),
    'overcast': ((150, 155, 165), (205, 208, 212), (0.3, 0.8), False),
    'hazy': ((120, 150, 190), (215, 215, 210), (0.2, 0.6), True),
    'dusk': ((70, 80, 130), (235, 170, 120), (0.1, 0.5), False),
}
_WEATHER_P = (0.45, 0.35, 0.12, 0.08)

# Vehicle dimensions: (width, height, length) ranges in metres.
_VEHICLE_DIMS = {
    'car': ((1.7, 1.95), (1.4, 1.65), (3.8, 4.9)),
    'van': ((1.9, 2.05), (1.9, 2.3), (4.8, 5.6)),
    'truck': ((2.4, 2.55), (3.0, 3.8), (7.0, 10.0)),
    'bus': ((2.5, 2.55), (3.0, 3.3), (11.5, 12.5)),
    'train': ((2.6, 2.7), (3.4, 3.7), (28.0, 34.0)),
}


def _vehicle_tables():
    """Outlines of the vehicle faces, in fractions of (width or length,
    height): the near face per ``(kind, oncoming)`` and the long side."""

    def r(a0, v0, a1, v1):
        return [(a0, v0), (a1, v0), (a1, v1), (a0, v1)]

    faces = {}
    for kind in _VEHICLE_DIMS:
        car = kind in ('car', 'van')
        clear = 0.18 if car else 0.1
        for front in (False, True):
            lv = 0.48 if car else 0.2
            face = dict(
                tyres=[r(0.06, 0, 0.22, clear + 0.05),
                       r(0.78, 0, 0.94, clear + 0.05)],
                body=r(0, clear, 1, 1),
                glass=r(0.06, 0.5 if front else 0.65, 0.94, 0.92),
                lights=[r(0.04, lv, 0.18, lv + 0.08),
                        r(0.82, lv, 0.96, lv + 0.08)],
                plate=r(0.38, lv - 0.2, 0.62, lv - 0.13) if car else
                r(0.38, 0.12, 0.62, 0.17))
            if car:
                face['body'] = [(0, clear), (1, clear), (1, 0.62),
                                (0.9, 0.66), (0.82, 1.0), (0.18, 1.0),
                                (0.1, 0.66), (0, 0.62)]
                face['glass'] = [(0.14, 0.66), (0.86, 0.66), (0.8, 0.95),
                                 (0.2, 0.95)]
            elif kind == 'truck':
                if front:  # cab with a windscreen, box above and behind
                    face['box'] = r(0.02, 0.7, 0.98, 1.0)
                    face['body'] = r(0, clear, 1, 0.78)
                    face['glass'] = r(0.08, 0.5, 0.92, 0.74)
                else:  # plain cargo box
                    face['glass'] = None
            elif not front:  # bus / tram rear: small window
                face['glass'] = r(0.2, 0.68, 0.8, 0.9)
            faces[(kind, front)] = face

    sides = {}
    for kind in _VEHICLE_DIMS:
        if kind in ('car', 'van'):
            roof = 0.02 if kind == 'van' else 0.3
            body = [(0, 0.18), (0, 0.62), (roof * 0.7, 0.66), (roof, 1.0),
                    (0.75, 1.0), (0.85, 0.66), (1, 0.6), (1, 0.18)]
            glass = [[(roof + 0.01, 0.68), (roof + 0.03, 0.93),
                      (0.73, 0.93), (0.8, 0.68)]]
            axles = (0.18, 0.82)
        else:
            body = r(0, 0.1, 1, 1)
            n = {'truck': 0, 'bus': 6, 'train': 14}[kind]
            step = 0.9 / max(n, 1)
            glass = [r(0.05 + i * step, 0.5, 0.05 + (i + 0.8) * step, 0.85)
                     for i in range(n)]
            axles = {'truck': (0.12, 0.75, 0.88), 'bus': (0.2, 0.8),
                     'train': (0.1, 0.16, 0.5, 0.56, 0.84, 0.9)}[kind]
            if kind == 'truck':
                glass = [r(0.84, 0.45, 0.97, 0.7)]
        sides[kind] = dict(body=body, glass=glass, axles=axles)
    return faces, sides


_VEHICLE_FACES, _VEHICLE_SIDES = _vehicle_tables()

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


class _StreetScene:
    """One random street scene; :meth:`render` paints it.

    Args:
        rng (np.random.Generator): The image's own random generator.
        width (int): Image width.
        height (int): Image height.
        style (dict): City style from :func:`_city_style`.
    """

    def __init__(self, rng: np.random.Generator, width: int, height: int,
                 style: dict) -> None:
        self.rng = rng
        # Noise images come from their own stream: their size depends on the
        # resolution, and the scene itself should not.
        self.noise_rng = np.random.default_rng(rng.integers(2**63))
        self.w, self.h = width, height
        self.style = style
        self.light = rng.uniform(0.8, 1.15)  # scene-wide brightness of paint
        self.weather = list(_WEATHER)[rng.choice(len(_WEATHER), p=_WEATHER_P)]
        self.sunny = _WEATHER[self.weather][3]
        self.sun_side = rng.choice([-1, 1])
        self.painter = _Painter(
            width, height,
            focal=width * rng.uniform(0.85, 1.05),
            cx=width * (0.5 + rng.uniform(-0.06, 0.06)),
            cy=height * rng.uniform(0.33, 0.45),
            cam_h=rng.uniform(1.35, 1.65))
        self.z_near = self.painter.focal * self.painter.cam_h / (
            height - self.painter.cy)
        self._plan_street()
        self.items: List[Tuple[float, int, object, tuple]] = []
        self.shadows: List[np.ndarray] = []

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def colour(self, kind: str, spread: float = 14.0,
               shade: float = 1.0) -> np.ndarray:
        """A jittered colour from palette ``kind``."""
        pal = _PALETTES[kind]
        base = np.asarray(pal[self.rng.integers(len(pal))], dtype=np.float64)
        if kind in ('building', 'wall'):
            base = base + self.style['tint']
        c = base + self.rng.normal(0, spread, 3)
        c *= self.rng.uniform(0.85, 1.15) * self.light * shade
        return np.clip(c, 0, 255)

    def add(self, z: float, fn, *args) -> None:
        """Queue a corridor object at depth ``z`` (drawn far to near)."""
        self.items.append((float(z), len(self.items), fn, args))

    # ------------------------------------------------------------------
    # layout
    # ------------------------------------------------------------------
    def _plan_street(self) -> None:
        rng = self.rng
        self.lane_w = rng.uniform(3.0, 3.5)
        n_left = rng.choice([1, 2, 2, 3])
        n_right = rng.choice([1, 1, 2])
        own = rng.uniform(0.25, 0.75) * self.lane_w
        # driving lanes, then the road with parking strips beside them
        self.lanes = (-(n_left - 1) * self.lane_w - own - rng.uniform(0, 1.5),
                      (n_right - 1) * self.lane_w + self.lane_w - own +
                      rng.uniform(0, 1.0))
        parking = {s: rng.random() < 0.25 for s in (-1, 1)}
        self.road = (self.lanes[0] - 2.1 * parking[-1],
                     self.lanes[1] + 2.1 * parking[1])
        self.cross = rng.random() < 0.35
        self.z_end = rng.uniform(60, 170) if self.cross else 400.0
        self.intersection = None
        if rng.random() < 0.5:
            zi = rng.uniform(max(12.0, self.z_near * 2), 55)
            self.intersection = (zi, zi + rng.uniform(9, 16))
        self.tram = rng.random() < 0.12
        self.tracks = self.tram or rng.random() < 0.05
        self.track_x = self.lanes[0] + self.lane_w * 0.5
        self.sides = {}
        for s in (-1, 1):
            edge = self.road[0] if s < 0 else self.road[1]
            grass = rng.uniform(1.0, 2.5) if rng.random() < 0.2 else 0.0
            walk = rng.uniform(1.8, 5.0)
            setback = rng.choice([0.0, 0.0, rng.uniform(1, 5)])
            urban = rng.random() < self.style['p_building']
            self.sides[s] = dict(
                edge=edge, parking=parking[s], grass=grass, walk=walk,
                walk_x=edge + s * grass,
                front=edge + s * (grass + walk + setback),
                setback=setback, setback_kind=rng.choice(
                    ['terrain', 'terrain', 'ground', 'sidewalk']),
                urban=urban,
                trees=rng.random() < (0.3 + 0.5 * self.style['greenery']),
                walk_colour=self.colour('sidewalk', 10))

    def _clear_of_intersection(self, z: float, margin: float = 0.0) -> bool:
        if self.intersection is None:
            return True
        return not (self.intersection[0] - margin < z <
                    self.intersection[1] + margin)

    # ------------------------------------------------------------------
    # background layers
    # ------------------------------------------------------------------
    def _sky(self) -> None:
        rng, p = self.rng, self.painter
        top, hor, cloud_range, _ = _WEATHER[self.weather]
        top = np.asarray(top) + rng.normal(0, 10, 3)
        hor = np.asarray(hor) + rng.normal(0, 8, 3)
        rows = max(1, int(np.ceil(p.cy)) + 1)
        t = (np.arange(rows, dtype=np.float32) / rows)[:, None] ** 0.7
        grad = (top[None, :] * (1 - t) + hor[None, :] * t).astype(np.float32)
        sky = np.broadcast_to(grad[:, None, :], (rows, self.w, 3)).copy()
        cover = rng.uniform(*cloud_range)
        if cover > 0.05:
            noise = self.noise_rng.standard_normal(
                (rows // 6 + 3, self.w // 12 + 3), dtype=np.float32)
            noise = cv2.resize(noise, (self.w, rows),
                               interpolation=cv2.INTER_CUBIC)
            alpha = np.clip((noise - (1.2 - 1.6 * cover)) * 0.8, 0, 0.9)
            cloud = np.asarray(hor, dtype=np.float32) * 0.4 + 150
            sky += alpha[..., None] * (cloud - sky)
        rows = min(rows, self.h)
        p.img[:rows] = np.clip(sky[:rows], 0, 255).astype(np.uint8)
        p.lab[:] = _L['sky']

    def _backdrop(self) -> None:
        """Far skyline (buildings and tree lines) along the horizon."""
        rng, p = self.rng, self.painter
        hor = np.asarray(_WEATHER[self.weather][1], dtype=np.float64)
        x = -rng.uniform(0, 0.04) * self.w
        while x < self.w:
            width = rng.uniform(0.03, 0.15) * self.w
            z = rng.uniform(250, 600)
            if rng.random() < 0.55:
                height = p.px(rng.uniform(8, 40), z)
                poly = np.array([[x, p.cy + 2], [x, p.cy - height],
                                 [x + width, p.cy - height],
                                 [x + width, p.cy + 2]])
                col, label = self.colour('building'), _L['building']
            else:
                n = 8
                tops = p.cy - p.px(rng.uniform(6, 18), z) * (
                    0.6 + 0.4 * rng.random(n))
                xs = np.linspace(x, x + width, n)
                poly = np.concatenate(
                    [[[x, p.cy + 2]], np.stack([xs, tops], 1),
                     [[x + width, p.cy + 2]]])
                col, label = self.colour('vegetation'), _L['vegetation']
            haze = rng.uniform(0.35, 0.6)
            p.fill_2d([poly], col * (1 - haze) + hor * haze, label)
            x += width

    def _paint_ground(self) -> None:
        """Road, sidewalks, grass strips, marks; everything at Y = 0."""
        rng, p = self.rng, self.painter
        z0, z1 = 0.5, 1000.0 if not self.cross else self.z_end
        base = np.array([[0, p.cy], [self.w, p.cy], [self.w, self.h + 1],
                         [0, self.h + 1]], dtype=np.float64)
        p.fill_2d([base], self.colour('terrain'), _L['terrain'])
        for s, side in self.sides.items():
            far = side['front'] + s * 200
            p.fill([_ground_rect(side['front'], far, z0, z1)],
                   self.colour('terrain'), _L['terrain'])
            kind = side['setback_kind']
            walk_end = side['walk_x'] + s * side['walk']
            if side['setback'] > 0:
                col = (side['walk_colour'] if kind == 'sidewalk' else
                       self.colour('terrain' if kind != 'ground' else
                                   'sidewalk'))
                lab = _L[kind]
                p.fill([_ground_rect(walk_end, side['front'], z0, z1)], col,
                       lab)
            p.fill([_ground_rect(side['walk_x'], walk_end, z0, z1)],
                   side['walk_colour'], _L['sidewalk'])
            self._paving(side)
            if side['grass'] > 0:
                p.fill([_ground_rect(side['edge'], side['walk_x'], z0, z1)],
                       self.colour('terrain'), _L['terrain'])
            # curb: a thin vertical face at the road edge
            x = side['walk_x'] if side['grass'] == 0 else side['edge']
            curb = np.array([[x, 0, z0], [x, 0.12, z0], [x, 0.12, z1],
                             [x, 0, z1]])
            lab = _L['sidewalk'] if side['grass'] == 0 else _L['terrain']
            p.fill([curb], side['walk_colour'] * 1.15, lab)
        road_col = self.colour('road', 6)
        p.fill([_ground_rect(self.road[0], self.road[1], z0, z1)], road_col,
               _L['road'])
        for _ in range(rng.integers(0, 4)):  # asphalt patches
            x = rng.uniform(*self.road)
            z = rng.uniform(self.z_near, 60)
            p.fill([_ground_rect(x, x + rng.uniform(0.5, 3), z,
                                 z + rng.uniform(1, 8))],
                   road_col * rng.uniform(0.8, 1.2), None)
        for s, side in self.sides.items():
            if side['parking']:
                strip = _ground_rect(side['edge'] - s * 2.1, side['edge'], z0,
                                     z1)
                p.fill([strip], road_col * 1.05, _L['parking'])
        if self.intersection is not None:
            self._cross_street(road_col)
        self._lane_marks()
        if self.tracks:
            self._rail_tracks(road_col)

    def _paving(self, side: dict) -> None:
        """Paving-stone joints across a sidewalk (image only)."""
        p = self.painter
        step = self.rng.uniform(0.6, 1.5)
        x0 = side['walk_x']
        x1 = x0 + (1 if x0 > 0 else -1) * side['walk']
        zs = np.arange(0.5, 60, step)
        # only where joints are at least ~2 px apart
        gap = p.focal * p.cam_h * step / zs**2
        zs = zs[gap > 2.0]
        joints = np.zeros((len(zs), 2, 3))
        joints[:, 0, 0], joints[:, 1, 0] = x0, x1
        joints[:, :, 2] = zs[:, None]
        p.lines(joints, 0.02, side['walk_colour'] * 0.8, None)

    def _cross_street(self, road_col: np.ndarray) -> None:
        p = self.painter
        zi0, zi1 = self.intersection
        for s, side in self.sides.items():
            far = side['edge'] + s * 120
            p.fill([_ground_rect(side['edge'], far, zi0, zi1)], road_col,
                   _L['road'])
            # far corner sidewalks of the cross street
            for z in (zi0 - 3.0, zi1):
                p.fill([_ground_rect(side['walk_x'], far, z, z + 3.0)],
                       side['walk_colour'], _L['sidewalk'])
        # crosswalk in front of the intersection
        zc = zi0 - self.rng.uniform(3, 5)
        xs = np.arange(self.road[0] + 0.3, self.road[1] - 0.3, 1.0)
        stripes = [_ground_rect(x, x + 0.5, zc - 3.0, zc) for x in xs]
        p.fill(stripes, (225, 225, 220), None)

    def _lane_marks(self) -> None:
        rng, p = self.rng, self.painter
        white = np.array([228, 228, 222]) * self.light
        left, right = self.lanes
        xs = np.arange(left + self.lane_w, right - 1.0, self.lane_w)
        dash, gap = rng.uniform(2.5, 4.0), rng.uniform(5, 9)
        dashes = np.arange(rng.uniform(0, dash + gap), 300, dash + gap)
        dashes = [(max(z, 0.5), z + dash) for z in dashes
                  if self._clear_of_intersection(z, 3)]
        solid = [(0.5, 300.0)]
        if self.intersection is not None:
            solid = [(0.5, self.intersection[0] - 3),
                     (self.intersection[1] + 3, 300.0)]
        lines = [(x, 0.07, solid if rng.random() < 0.15 else dashes)
                 for x in xs]
        if rng.random() < 0.6:  # edge lines
            lines += [(left + 0.3, 0.06, solid), (right - 0.3, 0.06, solid)]
        polys = [_ground_rect(x - hw, x + hw, z0, z1)
                 for x, hw, spans in lines for z0, z1 in spans]
        p.fill(polys, white * rng.uniform(0.75, 1.0), None)

    def _rail_tracks(self, road_col: np.ndarray) -> None:
        p, x = self.painter, self.track_x
        p.fill([_ground_rect(x - 1.2, x + 1.2, 0.5, 400)], road_col * 0.95,
               _L['rail track'])
        rails = [_ground_rect(x + o - 0.04, x + o + 0.04, 0.5, 400)
                 for o in (-0.72, 0.72)]
        p.fill(rails, (150, 150, 155), None)

    # ------------------------------------------------------------------
    # roadside: facades, parks, walls, fences (outside the street corridor)
    # ------------------------------------------------------------------
    def _roadside(self) -> None:
        rng = self.rng
        outer = []
        if self.cross:
            outer.append((self.z_end, self._cross_building, ()))
        for s, side in self.sides.items():
            z = 0.5
            while z < self.z_end:
                if self.intersection and z >= self.intersection[0] - 1e-6 \
                        and z < self.intersection[1]:
                    z = self.intersection[1]
                    continue
                z1 = min(z + rng.uniform(7, 30), self.z_end)
                if self.intersection and z < self.intersection[0] < z1:
                    z1 = self.intersection[0]
                p_build = 0.85 if side['urban'] else 0.3
                kind = 'building' if rng.random() < p_build else 'open'
                fn = self._building if kind == 'building' else self._open_lot
                outer.append((z, fn, (s, z, z1)))
                z = z1
        outer.sort(key=lambda it: -it[0])
        for _, fn, args in outer:
            fn(*args)

    def _facade(self, origin, axis, length: float, height: float,
                colour: np.ndarray, shop: bool) -> None:
        """A building face on a vertical plane, with a grid of windows."""
        rng, p = self.rng, self.painter
        p.fill([_plane(origin, axis, _rect(0, 0, length, height))], colour,
               _L['building'])
        floor_h = rng.uniform(2.8, 3.6)
        col_w = rng.uniform(2.2, 4.0)
        ground_h = rng.uniform(3.5, 4.5) if shop else floor_h
        n_rows = int((height - ground_h - 0.5) // floor_h)
        n_cols = int(length // col_w)
        if n_cols < 1:
            return
        win_w = col_w * rng.uniform(0.35, 0.6)
        a0 = (length - n_cols * col_w) / 2 + (col_w - win_w) / 2
        a = a0 + col_w * np.arange(n_cols)
        v0 = ground_h + floor_h * (np.arange(n_rows) + 0.25)
        v1 = v0 + floor_h * rng.uniform(0.4, 0.55)
        if shop:
            v0, v1 = np.append(v0, 0.4), np.append(v1, ground_h - 0.6)
        if not len(v0):
            return
        # one window per (row, column): corners in plane coordinates
        quads = np.empty((len(v0), n_cols, 4, 2))
        quads[..., [0, 3], 0] = a[None, :, None]
        quads[..., [1, 2], 0] = a[None, :, None] + win_w
        quads[..., [0, 1], 1] = v0[:, None, None]
        quads[..., [2, 3], 1] = v1[:, None, None]
        img_pts = p.project(_plane(origin, axis, quads.reshape(-1, 4, 2)))
        buckets = rng.integers(0, 3, len(img_pts))  # brightness variants
        win = self.colour('window', 10)
        if self.weather == 'dusk':
            win = win * 0.6
        # skip windows under a pixel wide (no random draws depend on pixel
        # sizes, so a seed gives the same scene at every resolution)
        big = np.abs(img_pts[:, 1, 0] - img_pts[:, 0, 0]) > 0.8
        img_pts, buckets = img_pts[big], buckets[big]
        for b, shade in enumerate((0.8, 1.0, 1.3)):
            c = win * shade
            if self.weather == 'dusk' and b == 2:
                c = np.array([240, 200, 120.0])
            p.fill_2d(img_pts[buckets == b], c, None)

    def _building(self, s: int, z0: float, z1: float) -> None:
        rng = self.rng
        side = self.sides[s]
        x = side['front'] + s * rng.choice([0, 0, rng.uniform(0, 1.5)])
        height = rng.uniform(7, 26) * self.style['height_scale']
        shade = 0.75 if (self.sunny and s == self.sun_side) else 1.0
        colour = self.colour('building', 14, shade)
        shop = rng.random() < 0.4
        # end face towards the camera, then the face along the street
        self._facade((x + s * 12, 0, z0), (-s, 0, 0), 12, height,
                     colour * 0.85, False)
        self._facade((x, 0, z0), _Z_AXIS, z1 - z0, height, colour, shop)
        if rng.random() < 0.5:  # cornice
            p = self.painter
            band = _rect(0, height - 0.4, z1 - z0, height)
            p.fill([_plane((x, 0, z0), _Z_AXIS, band)], colour * 0.8, None)
        if self.sunny and s == self.sun_side:
            reach = height * rng.uniform(0.2, 0.9)
            x_end = x - s * reach
            self.shadows.append(_ground_rect(x, x_end, z0 + 2, z1 + 2))

    def _cross_building(self) -> None:
        rng = self.rng
        x0 = self.sides[-1]['front'] - 60
        height = rng.uniform(8, 25) * self.style['height_scale']
        self._facade((x0, 0, self.z_end), _X_AXIS, self.sides[1]['front'] +
                     60 - x0, height, self.colour('building'),
                     rng.random() < 0.5)

    def _open_lot(self, s: int, z0: float, z1: float) -> None:
        """A gap between buildings: grass, trees, a wall, fence or hedge."""
        rng, p = self.rng, self.painter
        side = self.sides[s]
        front = side['front']
        if rng.random() < 0.5:  # a farther building behind the lot
            back = front + s * rng.uniform(12, 35)
            height = rng.uniform(8, 25) * self.style['height_scale']
            self._facade((back, 0, z0), _Z_AXIS, z1 - z0 + 10, height,
                         self.colour('building', 14, 0.9), False)
        for _ in range(rng.integers(1, 5)):
            self._tree(front + s * rng.uniform(2, 12), rng.uniform(z0, z1),
                       large=True)
        kind = rng.choice(['wall', 'fence', 'hedge', 'none'],
                          p=[0.3, 0.35, 0.2, 0.15])
        if kind == 'wall':
            self._wall(front, z0, z1)
        elif kind == 'fence':
            self._fence(front, z0, z1)
        elif kind == 'hedge':
            n = max(2, int((z1 - z0) / 1.5))
            zs = np.linspace(z0, z1, n)
            tops = rng.uniform(0.9, 1.6) + rng.uniform(-0.15, 0.15, n)
            poly = np.concatenate([np.stack([np.full(n, front), np.zeros(n),
                                             zs], 1)[::-1],
                                   np.stack([np.full(n, front), tops, zs],
                                            1)])
            p.fill([poly], self.colour('vegetation', 12), _L['vegetation'])

    def _wall(self, x: float, z0: float, z1: float,
              height: Optional[float] = None) -> None:
        rng, p = self.rng, self.painter
        height = height or rng.uniform(0.8, 2.8)
        colour = self.colour('wall', 12)
        origin = (x, 0, z0)
        p.fill([_plane(origin, _Z_AXIS, _rect(0, 0, z1 - z0, height))],
               colour, _L['wall'])
        coping = _rect(0, height - 0.15, z1 - z0, height)
        p.fill([_plane(origin, _Z_AXIS, coping)], colour * 0.75, None)

    def _fence(self, x: float, z0: float, z1: float) -> None:
        """A see-through fence along the street at ``x``: the label covers
        it, the image shows only its bars, rails and posts."""
        rng, p = self.rng, self.painter
        height = rng.uniform(1.0, 2.2)
        length = z1 - z0
        origin = (x, 0, z0)
        colour = self.colour('fence', 10)
        p.fill([_plane(origin, _Z_AXIS, _rect(0, 0, length, height))], None,
               _L['fence'])

        def verticals(step, v0):
            a = np.arange(0, length, step)
            seg = np.empty((len(a), 2, 2))
            seg[:, :, 0] = a[:, None]
            seg[:, 0, 1], seg[:, 1, 1] = v0, height
            return _plane(origin, _Z_AXIS, seg)

        rails = _plane(origin, _Z_AXIS, [[[0, 0.1], [length, 0.1]],
                                         [[0, height * 0.95],
                                          [length, height * 0.95]]])
        p.lines(verticals(rng.uniform(0.12, 0.3), 0.05), 0.03, colour, None)
        p.lines(rails, 0.06, colour, None)
        p.lines(verticals(rng.uniform(2, 3), 0), 0.08, colour * 0.8, None)

    # ------------------------------------------------------------------
    # corridor objects (sorted far to near)
    # ------------------------------------------------------------------
    def _place_objects(self) -> None:
        rng = self.rng
        near = self.z_near
        far = min(self.z_end - 2, 90)
        for s, side in self.sides.items():
            walk_mid = side['walk_x'] + s * side['walk'] / 2
            curb = side['walk_x'] + s * 0.5
            if side['trees']:
                step = rng.uniform(9, 18)
                for z in np.arange(rng.uniform(near, near + step), far, step):
                    if self._clear_of_intersection(z, 2):
                        self.add(z, self._tree, curb + s * 0.3, z)
            lamp_step = rng.uniform(18, 35)
            for z in np.arange(rng.uniform(2, lamp_step), far, lamp_step):
                if self._clear_of_intersection(z, 1):
                    self.add(z, self._lamp, curb, z, s)
            for _ in range(rng.poisson(0.9)):
                z = rng.uniform(near * 0.8, 60)
                self.add(z, self._sign, curb + s * rng.uniform(0, 0.5), z)
            for _ in range(rng.poisson(0.4)):
                z = rng.uniform(near, 60)
                self.add(z, self._static, walk_mid + s * rng.uniform(
                    -1, 1) * side['walk'] / 3, z)
            if rng.random() < 0.15:  # railing along the curb
                z0 = rng.uniform(near, 30)
                self.add(z0, self._fence, side['walk_x'] + s * 0.2, z0,
                         z0 + rng.uniform(5, 25))
            if rng.random() < 0.12:  # low wall along the sidewalk
                z0 = rng.uniform(near, 40)
                self.add(z0, self._wall, side['front'] - s * 0.2, z0,
                         z0 + rng.uniform(5, 20), rng.uniform(0.5, 1.3))
            # pedestrians
            for _ in range(rng.poisson(1.8)):
                z = near * 0.9 + rng.exponential(18)
                if z < far:
                    x = side['walk_x'] + s * rng.uniform(0.3, side['walk'])
                    self.add(z, self._person, x, z)
            # parked bicycles across the sidewalk
            if rng.random() < 0.25:
                z = rng.uniform(near, 35)
                for k in range(rng.integers(1, 6)):
                    zk = z + 0.7 * k
                    self.add(zk, self._bicycle_across, side['walk_x'] +
                             s * 0.4, zk, s)
            if rng.random() < 0.1:  # parked motorcycle
                z = rng.uniform(near, 30)
                self.add(z, self._motorcycle_along,
                         side['edge'] - s * 0.6, z, False)
            # parked cars along the curb (never in front of the camera);
            # those on the left face the camera, like the oncoming traffic
            x = side['edge'] - s * rng.uniform(1.0, 1.3)
            if (side['parking'] or rng.random() < 0.25) and s * x > 2.4:
                z = rng.uniform(near * 0.6, 12)
                while z < far:
                    if rng.random() < 0.8 and self._clear_of_intersection(
                            z, 4):
                        kind = 'van' if rng.random() < 0.12 else 'car'
                        self._queue_vehicle(kind, x, z, facing_front=s < 0)
                    z += rng.uniform(5.0, 7.5)
        self._traffic(near, far)
        if self.intersection is not None:
            self._traffic_lights()
        # pedestrians crossing the road
        if rng.random() < 0.25:
            z = rng.uniform(near * 1.5, 40)
            for _ in range(rng.integers(1, 4)):
                x = rng.uniform(*self.road)
                zz = z + rng.uniform(0, 2)
                self.add(zz, self._person, x, zz)

    def _traffic(self, near: float, far: float) -> None:
        """Moving vehicles, riders and the odd tram on the road."""
        rng = self.rng
        left, right = self.lanes
        centres = np.arange(left + self.lane_w / 2, right - 1.0, self.lane_w)
        used = []
        for _ in range(rng.poisson(2.2)):
            x = rng.choice(centres) + rng.uniform(-0.4, 0.4)
            z_min = max(near, 8 if abs(x) < 1.6 else near * 0.8)
            z = z_min + rng.exponential(18)
            if z > far or any(abs(x - u) < 2.5 and abs(z - v) < 8
                              for u, v in used):
                continue
            used.append((x, z))
            kind = rng.choice(['car', 'van', 'truck', 'bus'],
                              p=[0.78, 0.1, 0.07, 0.05])
            self._queue_vehicle(kind, x, z, facing_front=x < -1.6)
        if self.tram:
            z = rng.uniform(max(near, 18), 70)
            self._queue_vehicle('train', self.track_x, z,
                                facing_front=self.track_x < -1.6)
        for _ in range(rng.poisson(0.7)):  # riders
            side_x = right - rng.uniform(0.6, 1.5)
            z = rng.uniform(max(near, 6), 40)
            if rng.random() < 0.6:
                self.add(z, self._bicycle_along, side_x, z, True)
            else:
                self.add(z, self._motorcycle_along, side_x, z, True)

    def _traffic_lights(self) -> None:
        rng = self.rng
        zi = self.intersection[0] - rng.uniform(0.5, 2)
        for s, side in self.sides.items():
            if rng.random() < 0.85:
                x = side['walk_x'] + s * 0.6
                self.add(zi, self._traffic_light, x, zi, s,
                         rng.random() < 0.4)
        if rng.random() < 0.5:
            z = self.intersection[1] + rng.uniform(0.5, 2)
            s = rng.choice([-1, 1])
            self.add(z, self._traffic_light, self.sides[s]['walk_x'] +
                     s * 0.6, z, s, False)

    def _draw_items(self) -> None:
        for _, _, fn, args in sorted(self.items, key=lambda it: (-it[0],
                                                                  it[1])):
            fn(*args)

    # --- vegetation, poles, signs -----------------------------------------
    def _tree(self, x: float, z: float, large: bool = False) -> None:
        rng, p = self.rng, self.painter
        trunk_h = rng.uniform(2.5, 4.5)
        crown_r = rng.uniform(1.4, 2.6) * (1.3 if large else 1.0)
        centre_y = trunk_h + crown_r * 0.8
        bark = np.array([90, 75, 60.0]) * rng.uniform(0.6, 1.2) * self.light
        p.lines([np.array([[x, 0, z], [x, centre_y, z]])],
                rng.uniform(0.2, 0.4), bark, _L['vegetation'])
        base = self.colour('vegetation', 10)
        n = rng.integers(5, 10)
        offs = rng.normal(0, crown_r * 0.45, (n, 2))
        radii = crown_r * rng.uniform(0.45, 0.8, n)
        squash = rng.uniform(0.8, 1, n)
        if p.px(crown_r, z) < 3:  # a few pixels: one blob will do
            p.ellipse((x, centre_y, z), crown_r, crown_r * 0.9, base,
                      _L['vegetation'])
        else:
            for k in np.argsort(offs[:, 1]):  # lower blobs first, darker
                dx, dy = offs[k]
                shade = 0.75 + 0.5 * (dy / crown_r + 1) / 2
                p.ellipse((x + dx, centre_y + dy, z), radii[k],
                          radii[k] * squash[k], base * shade,
                          _L['vegetation'])
        if self.sunny:
            r = crown_r * 1.1
            off = -self.sun_side * crown_r * 0.5
            self.shadows.append(_ground_disc(x + off, z + 1.5, r))

    def _lamp(self, x: float, z: float, s: int) -> None:
        rng, p = self.rng, self.painter
        height = rng.uniform(6, 9)
        colour = self.colour('pole', 10)
        arm = rng.uniform(0.8, 2.0)
        p.lines([np.array([[x, 0, z], [x, height, z],
                           [x - s * arm, height + 0.3, z]])],
                rng.uniform(0.12, 0.2), colour, _L['pole'])
        head = _plane((x - s * arm - 0.3, height + 0.05, z), _X_AXIS,
                      [[0, 0], [0.6, 0], [0.6, 0.3], [0, 0.3]])
        p.fill([head], colour * 0.8, _L['pole'])

    def _sign(self, x: float, z: float) -> None:
        rng, p = self.rng, self.painter
        height = rng.uniform(2.2, 3.2)
        p.lines([np.array([[x, 0, z], [x, height, z]])], 0.08,
                self.colour('pole', 10), _L['pole'])
        for k in range(rng.choice([1, 1, 2])):
            self._sign_plate(x, height - 0.4 - 0.8 * k, z)

    def _sign_plate(self, x: float, y: float, z: float) -> None:
        rng, p = self.rng, self.painter
        shape = rng.choice(['round', 'triangle', 'square', 'rect'])
        lab = _L['traffic sign']
        r = rng.uniform(0.28, 0.4)
        red = np.array([200, 30, 30.0]) * self.light
        white = np.array([235, 235, 235.0]) * self.light
        blue = np.array([30, 70, 170.0]) * self.light
        if shape == 'round':  # prohibition (red ring) or mandatory (blue)
            ring = rng.random() < 0.6
            p.ellipse((x, y, z), r, r, red if ring else blue, lab)
            if ring:
                p.ellipse((x, y, z), r * 0.7, r * 0.7, white, None)
        elif shape == 'triangle':
            tri = _plane((x, y, z), _X_AXIS,
                         [[-r, -r * 0.8], [r, -r * 0.8], [0, r * 0.9]])
            inner = _plane((x, y, z), _X_AXIS, [[-r * 0.6, -r * 0.55],
                                                [r * 0.6, -r * 0.55],
                                                [0, r * 0.5]])
            p.fill([tri], red, lab)
            p.fill([inner], white, None)
        else:
            w = r if shape == 'square' else r * rng.uniform(1.3, 1.9)
            col = [blue, np.array([240, 200, 40.0]), white,
                   np.array([30, 120, 60.0])][rng.integers(4)]
            box = _plane((x - w, y - r, z), _X_AXIS,
                         [[0, 0], [2 * w, 0], [2 * w, 2 * r], [0, 2 * r]])
            p.fill([box], col * self.light, lab)
            p.lines([np.array([[x - w * 0.6, y, z], [x + w * 0.6, y, z]])],
                    0.06, white * 0.9, None)

    def _traffic_light(self, x: float, z: float, s: int,
                       overhead: bool) -> None:
        rng, p = self.rng, self.painter
        pole_col = self.colour('pole', 10)
        height = rng.uniform(2.8, 3.8)
        top = height + 1.2 if overhead else height + 0.9
        path = [[x, 0, z], [x, top, z]]
        box_x = x
        if overhead:
            box_x = x - s * rng.uniform(2.5, 5)
            path.append([box_x, top, z])
        p.lines([np.array(path, dtype=np.float64)], 0.14, pole_col,
                _L['pole'])
        boxes = [(box_x, top - 1.05 if overhead else height - 0.1)]
        if not overhead and rng.random() < 0.4:  # pedestrian signal
            boxes.append((x, 2.0))
        housing = self.colour('pole', 8, 0.4) if rng.random() < 0.7 else \
            np.array([200, 170, 40.0])
        lit = rng.integers(3)
        lamp_cols = [(255, 40, 30), (255, 190, 30), (60, 255, 120)]
        for bx, by in boxes:
            w, h = 0.34, 0.95
            box = _plane((bx - w / 2, by, z), _X_AXIS,
                         [[0, 0], [w, 0], [w, h], [0, h]])
            p.fill([box], housing, _L['traffic light'])
            for k in range(3):
                col = lamp_cols[k] if k == lit else (45, 45, 45)
                p.ellipse((bx, by + h * (0.83 - 0.33 * k), z), 0.1, 0.1,
                          col, None)

    def _static(self, x: float, z: float) -> None:
        """Void 'static' street furniture: a bin, bollard or ad column."""
        rng, p = self.rng, self.painter
        kind = rng.choice(['bin', 'bollard', 'column'], p=[0.5, 0.3, 0.2])
        w, h = {'bin': (0.6, 1.1), 'bollard': (0.18, 0.9),
                'column': (1.2, 3.2)}[kind]
        box = _plane((x - w / 2, 0, z), _X_AXIS,
                     [[0, 0], [w, 0], [w, h], [0, h]])
        col = self.colour('static', 16)
        if kind == 'column':
            col = self.colour('building', 40)
        p.fill([box], col, _L['static'])

    # --- people -----------------------------------------------------------
    def _person(self, x: float, z: float) -> None:
        rng, p = self.rng, self.painter
        h = rng.uniform(1.55, 1.95) if rng.random() < 0.9 else \
            rng.uniform(1.0, 1.4)
        k = h / 1.75
        lab = _L['person']
        top_col = self.colour('clothes', 20)
        leg_col = self.colour('clothes', 15, 0.8)
        skin = self.colour('skin', 10)
        stride = rng.uniform(-0.18, 0.18) * k
        hip, sh = 0.5 * h, 0.81 * h

        def at(u, v):
            return [x + u, v, z]

        legs = [np.array([at(-0.08 * k, hip), at(-0.08 * k + stride, 0.02)]),
                np.array([at(0.08 * k, hip), at(0.08 * k - stride, 0.02)])]
        p.lines(legs, 0.14 * k, leg_col, lab)
        arms = [np.array([at(-0.2 * k, sh), at(-0.26 * k - stride * 0.5,
                                                  0.47 * h)]),
                np.array([at(0.2 * k, sh), at(0.26 * k + stride * 0.5,
                                                 0.47 * h)])]
        p.lines(arms, 0.09 * k, top_col * 0.9, lab)
        torso = np.array([at(-0.17 * k, hip - 0.05 * h),
                          at(0.17 * k, hip - 0.05 * h),
                          at(0.22 * k, sh), at(0.08 * k, sh + 0.04 * h),
                          at(-0.08 * k, sh + 0.04 * h), at(-0.22 * k, sh)])
        p.fill([torso], top_col, lab)
        if rng.random() < 0.25:  # bag
            side = rng.choice([-1, 1])
            bag = np.array([at(side * 0.2 * k, 0.5 * h),
                            at(side * 0.38 * k, 0.5 * h),
                            at(side * 0.38 * k, 0.68 * h),
                            at(side * 0.2 * k, 0.68 * h)])
            p.fill([bag], self.colour('clothes', 30), lab)
        p.ellipse((x, 0.925 * h, z), 0.095 * k, 0.12 * k, skin, lab)
        hair = self.colour('clothes', 10, 0.5)
        p.ellipse((x, 0.955 * h, z), 0.09 * k, 0.08 * k, hair, None)

    def _rider(self, origin, axis, pose: dict, helmet: bool = False) -> None:
        """A rider in the plane of their bicycle / motorcycle."""
        p, rng = self.painter, self.rng
        lab = _L['rider']
        top_col = self.colour('clothes', 20)
        leg_col = self.colour('clothes', 15, 0.8)
        pt = {k: _plane(origin, axis, [v])[0] for k, v in pose.items()}
        p.lines([np.array([pt['hip'], pt['knee'], pt['foot']]),
                 np.array([pt['hip'], pt['knee2'], pt['foot2']])], 0.14,
                leg_col, lab)
        p.lines([np.array([pt['hip'], pt['shoulder']])], 0.34, top_col, lab)
        p.lines([np.array([pt['shoulder'], pt['hand']])], 0.09,
                top_col * 0.9, lab)
        head_col = self.colour('clothes', 30) if helmet else \
            self.colour('skin', 10)
        p.ellipse(pt['head'], 0.12, 0.13, head_col, lab)
        if rng.random() < 0.3:
            p.ellipse(pt['head'] + [0, 0.05, 0], 0.1, 0.07,
                      self.colour('clothes', 10, 0.5), None)

    def _bicycle(self, origin, axis, rider: bool) -> None:
        """A bicycle drawn in the vertical plane through ``origin``."""
        p = self.painter
        lab = _L['bicycle']
        r = 0.34
        frame = self.colour('car', 30)
        tyre = np.array([35, 35, 35.0])
        wheels = [_plane(origin, axis, _circle(a, r, r, 16))
                  for a in (0.0, 1.05)]
        p.lines(wheels, 0.05, tyre, lab, closed=True)
        pts = {'rh': (0, r), 'crank': (0.45, 0.3), 'seat': (0.36, 0.92),
               'head': (0.92, 0.92), 'fh': (1.05, r), 'bar': (0.88, 1.07)}
        path = [pts[k] for k in ('rh', 'crank', 'seat', 'rh', 'crank',
                                 'head', 'seat', 'head', 'fh', 'head',
                                 'bar')]
        p.lines([_plane(origin, axis, path)], 0.04, frame, lab)
        p.lines([_plane(origin, axis, [(0.28, 0.95), (0.44, 0.95)])], 0.06,
                tyre, lab)
        if rider:
            self._rider(origin, axis, dict(
                hip=(0.36, 1.0), shoulder=(0.62, 1.52), hand=(0.88, 1.08),
                head=(0.7, 1.7), knee=(0.62, 0.75), foot=(0.5, 0.2),
                knee2=(0.52, 0.65), foot2=(0.4, 0.42)))

    def _bicycle_across(self, x: float, z: float, s: int) -> None:
        """Parked bicycle standing across the sidewalk."""
        self._bicycle((x + (0 if s > 0 else -1.05), 0, z), _X_AXIS, False)

    def _bicycle_along(self, x: float, z: float, rider: bool) -> None:
        self._bicycle((x, 0, z + 1.05), (0, 0, -1), rider)

    def _motorcycle_along(self, x: float, z: float, rider: bool) -> None:
        p = self.painter
        lab = _L['motorcycle']
        origin, axis = (x, 0, z + 1.4), (0, 0, -1)
        tyre = np.array([30, 30, 30.0])
        body = self.colour('car', 25)
        r = 0.31
        for a in (0.0, 1.4):
            p.fill([_plane(origin, axis, _circle(a, r, r, 16))], tyre, lab)
        shape = [(-0.15, 0.45), (0.25, 0.8), (0.65, 0.82), (0.9, 0.98),
                 (1.15, 0.95), (1.4, 0.6), (1.1, 0.35), (0.4, 0.3)]
        p.fill([_plane(origin, axis, shape)], body, lab)
        p.lines([_plane(origin, axis, [(1.0, 0.95), (1.25, 1.2)])], 0.05,
                tyre, lab)
        if rider:
            self._rider(origin, axis, dict(
                hip=(0.55, 0.9), shoulder=(0.78, 1.42), hand=(1.2, 1.12),
                head=(0.85, 1.6), knee=(0.85, 0.7), foot=(0.7, 0.35),
                knee2=(0.8, 0.65), foot2=(0.62, 0.4)), helmet=True)

    # --- vehicles ---------------------------------------------------------
    def _queue_vehicle(self, kind: str, x: float, z: float,
                       facing_front: bool) -> None:
        rng = self.rng
        w, h, length = (rng.uniform(*r) for r in _VEHICLE_DIMS[kind])
        label = {'van': 'car'}.get(kind, kind)
        palette = 'car' if label == 'car' else label
        self.add(z, self._vehicle, kind, _L[label], x, z, w, h, length,
                 self.colour(palette, 12), facing_front)

    def _vehicle(self, kind: str, lab: int, x: float, z: float, w: float,
                 h: float, length: float, colour: np.ndarray,
                 facing_front: bool) -> None:
        """A box-shaped vehicle: the side facing the camera (if it is off to
        one side), then the near face (rear, or front when oncoming)."""
        rng, p = self.rng, self.painter
        glass = np.array([40, 50, 60.0]) * rng.uniform(0.7, 1.4) * self.light
        tyre = np.array([25, 25, 25.0])
        if abs(x) > w / 2:
            side = _VEHICLE_SIDES[kind]
            origin = (x - np.sign(x) * w / 2, 0, z)
            scale = np.array([length, h])

            def on_side(pts):
                return _plane(origin, _Z_AXIS, np.asarray(pts) * scale)

            p.fill([on_side(side['body'])], colour * 0.8, lab)
            p.fill([on_side(q) for q in side['glass']], glass, None)
            wheels = [_plane(origin, _Z_AXIS, _circle(a * length, 0.38, 0.38,
                                                      12))
                      for a in side['axles']]
            p.fill(wheels, tyre, lab)
        face = _VEHICLE_FACES[(kind, bool(facing_front))]
        origin = (x - w / 2, 0, z)

        def on_face(pts):
            return _plane(origin, _X_AXIS, np.asarray(pts) * [w, h])

        p.fill([on_face(q) for q in face['tyres']], tyre, lab)
        if 'box' in face:  # cargo box behind a truck's cab
            p.fill([on_face(face['box'])], colour * 0.85, lab)
        p.fill([on_face(face['body'])], colour, lab)
        if face['glass'] is not None:
            p.fill([on_face(face['glass'])], glass, None)
        light = (np.array([255, 250, 220.0]) if facing_front else
                 np.array([210, 30, 30.0]))
        p.fill([on_face(q) for q in face['lights']], light, None)
        p.fill([on_face(face['plate'])], (230, 230, 225), None)
        if kind == 'train':  # pantograph
            p.lines([_plane(origin, _X_AXIS, [(0.3 * w, h), (0.5 * w, h + 0.8),
                                              (0.7 * w, h)])], 0.05,
                    (50, 50, 50), lab)

    # ------------------------------------------------------------------
    # foreground and finishing
    # ------------------------------------------------------------------
    def _ego_vehicle(self) -> None:
        rng, p = self.rng, self.painter
        if rng.random() > 0.7:
            return
        depth = self.h * rng.uniform(0.05, 0.11)
        xs = np.linspace(0, self.w, 24)
        t = (xs - self.w / 2) / (self.w / 2)
        ys = self.h - depth * (1 - 0.45 * t**2)
        poly = np.concatenate([np.stack([xs, ys], 1),
                               [[self.w, self.h + 1], [0, self.h + 1]]])
        p.fill_2d([poly], self.colour('car', 8, 0.6), _L['ego vehicle'])

    def _annotation_holes(self) -> None:
        """Now and then a rectangle the annotators left 'unlabeled'."""
        rng, p = self.rng, self.painter
        if rng.random() < 0.1:
            w, h = rng.uniform(0.05, 0.15, 2) * (self.w, self.h)
            x, y = rng.uniform(0, 1, 2) * (self.w - w, self.h - h)
            p.fill_2d([np.array([[x, y], [x + w, y], [x + w, y + h],
                                 [x, y + h]])], None, _L['unlabeled'])

    def _finish(self) -> np.ndarray:
        """Texture, shadows, haze, exposure and blur; returns RGB uint8."""
        rng, p = self.rng, self.painter
        h, w = self.h, self.w
        lab = p.lab
        noise = self.noise_rng.standard_normal
        fine = noise((h, w), dtype=np.float32)
        mid = cv2.resize(noise((h // 3 + 2, w // 3 + 2), dtype=np.float32),
                         (w, h), interpolation=cv2.INTER_LINEAR)
        coarse = cv2.resize(noise((h // 16 + 3, w // 16 + 3),
                                  dtype=np.float32), (w, h),
                            interpolation=cv2.INTER_CUBIC)
        gain = (1.0 + _TEX_FINE[lab] * fine + _TEX_MID[lab] * mid +
                _TEX_COARSE[lab] * coarse)
        if self.shadows:
            shadow = np.ones((h, w), dtype=np.float32)
            polys = [_fixed(p.project(q)) for q in self.shadows]
            cv2.fillPoly(shadow, polys, rng.uniform(0.45, 0.65), cv2.LINE_AA,
                         _SHIFT)
            gain *= np.where(_IS_GROUND[lab], shadow, 1.0)
        # vignette and haze towards the horizon
        yy = (np.arange(h, dtype=np.float32) - h / 2) / (h / 2)
        xx = (np.arange(w, dtype=np.float32) - w / 2) / (w / 2)
        strength = rng.uniform(0.0, 0.25)
        gain *= 1 - strength * (yy[:, None]**2 + xx[None, :]**2) / 2
        img = p.img.astype(np.float32) * gain[..., None]
        haze = rng.uniform(0.05, 0.25) * (1.6 if self.weather == 'hazy' else
                                          1.0)
        rows = np.exp(-np.abs(np.arange(h) - p.cy) / (0.12 * h))
        alpha = (haze * rows).astype(np.float32)[:, None, None]
        hor = np.asarray(_WEATHER[self.weather][1], dtype=np.float32)
        img = img * (1 - alpha) + hor * alpha
        img = np.clip(img, 0, 255).astype(np.uint8)
        # per-image exposure, contrast, white balance and gamma
        levels = np.arange(256, dtype=np.float64) / 255
        exposure = rng.uniform(0.7, 1.3)
        balance = 1 + rng.normal(0, 0.04, 3)
        gamma = rng.uniform(0.8, 1.25)
        lut = np.clip(255 * (levels[:, None] * exposure * balance)**gamma, 0,
                      255).astype(np.uint8)
        img = cv2.LUT(img, lut.reshape(1, 256, 3))
        if rng.random() < 0.5:
            img = cv2.GaussianBlur(img, (3, 3), rng.uniform(0.4, 0.9))
        return img

    def render(self) -> Tuple[np.ndarray, np.ndarray]:
        """Paint the scene; returns ``(RGB image, label ids)``."""
        self._sky()
        if not self.cross:
            self._backdrop()
        self._paint_ground()
        self._roadside()
        self._place_objects()
        self._draw_items()
        self._ego_vehicle()
        self._annotation_holes()
        img = self._finish()
        return img, self.painter.lab


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------
def _city_style(city: str) -> dict:
    """Small per-city differences (facade tint, heights, greenery)."""
    rng = np.random.default_rng(zlib.crc32(city.encode('utf-8')))
    return dict(
        tint=rng.uniform(-12, 12, 3),
        height_scale=rng.uniform(0.85, 1.2),
        greenery=rng.uniform(0.2, 0.8),
        p_building=rng.uniform(0.6, 0.85))


def label_ids_to_train_ids(label_ids: np.ndarray) -> np.ndarray:
    """Map Cityscapes label ids to train ids (0..18, 255 for void).

    Args:
        label_ids (np.ndarray): uint8 array of official label ids.

    Returns:
        np.ndarray: uint8 array of train ids, same shape.
    """
    return LABEL_ID_TO_TRAIN_ID[label_ids]


def render_scene(rng: np.random.Generator,
                 size: Tuple[int, int] = (512, 256),
                 city: str = DEFAULT_CITIES['train'][0]
                 ) -> Tuple[np.ndarray, np.ndarray]:
    """Render one street scene in memory.

    Args:
        rng (np.random.Generator): Random generator; the scene depends on
            nothing else (besides ``size`` and ``city``).
        size (tuple[int, int]): ``(width, height)``.
        city (str): City whose style to use.

    Returns:
        tuple[np.ndarray, np.ndarray]: The RGB image ``(H, W, 3)`` and the
        Cityscapes label ids ``(H, W)``, both uint8.
    """
    width, height = _check_size(size)
    scene = _StreetScene(rng, width, height, _city_style(city))
    return scene.render()


def _image_rng(seed: int, split: str, index: int) -> np.random.Generator:
    # One independent stream per (seed, split, index): images can be made in
    # any order, and seed s + 1 is not seed s shifted by one image.
    return np.random.default_rng((seed, SPLITS.index(split), index))


def _plan(num: int, cities: Sequence[str]) -> List[Tuple[int, str, int]]:
    """``(index, city, seq)`` per image; cities get contiguous blocks."""
    plan = []
    counters = dict.fromkeys(cities, 0)
    for index in range(num):
        city = cities[index * len(cities) // num]
        plan.append((index, city, counters[city]))
        counters[city] += 1
    return plan


def _stem(city: str, seq: int) -> str:
    return f'{city}_{seq:06d}_{_FRAME:06d}'


def _paths(out_dir: str, split: str, city: str, seq: int) -> Dict[str, str]:
    stem = _stem(city, seq)
    img_dir = osp.join(out_dir, 'leftImg8bit', split, city)
    seg_dir = osp.join(out_dir, 'gtFine', split, city)
    return dict(
        img=osp.join(img_dir, f'{stem}_leftImg8bit.png'),
        label_ids=osp.join(seg_dir, f'{stem}_gtFine_labelIds.png'),
        train_ids=osp.join(seg_dir, f'{stem}_gtFine_labelTrainIds.png'))


def _render_jobs(out_dir: str, split: str, jobs: Sequence[Tuple[int, str,
                                                                 int]],
                 size: Tuple[int, int], seed: int) -> np.ndarray:
    """Render and write ``jobs``; returns train-id pixel counts (256,)."""
    counts = np.zeros(256, dtype=np.int64)
    for index, city, seq in jobs:
        img, label_ids = render_scene(_image_rng(seed, split, index), size,
                                      city)
        train_ids = LABEL_ID_TO_TRAIN_ID[label_ids]
        paths = _paths(out_dir, split, city, seq)
        for key, array in (('img', img[..., ::-1]), ('label_ids', label_ids),
                           ('train_ids', train_ids)):
            os.makedirs(osp.dirname(paths[key]), exist_ok=True)
            if not cv2.imwrite(paths[key], np.ascontiguousarray(array)):
                raise OSError(f'Could not write {paths[key]}')
        counts += np.bincount(train_ids.ravel(), minlength=256)
    return counts


def _worker_init() -> None:
    cv2.setNumThreads(1)


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) \
            or value < minimum:
        raise ValueError(f'{name} must be an integer >= {minimum}, '
                         f'got {value!r}')
    return int(value)


def _check_size(size) -> Tuple[int, int]:
    try:
        width, height = size
    except (TypeError, ValueError):
        raise ValueError(f'size must be a (width, height) pair, got {size!r}')
    for name, v in (('width', width), ('height', height)):
        if isinstance(v, bool) or not isinstance(v, Integral) or v <= 0:
            raise ValueError(f'size {name} must be a positive integer, got '
                             f'{v!r} in size={size!r}')
        if v % 2:
            raise ValueError(f'size {name} must be even, got {v!r} in '
                             f'size={size!r}')
        if v < _MIN_SIZE:
            raise ValueError(f'size {name} must be >= {_MIN_SIZE}, got '
                             f'{v!r} in size={size!r}')
    return int(width), int(height)


def _check_cities(cities) -> Dict[str, Tuple[str, ...]]:
    if cities is None:
        return {k: tuple(v) for k, v in DEFAULT_CITIES.items()}
    if not isinstance(cities, Mapping) or set(cities) != set(SPLITS):
        raise ValueError("cities must be a mapping with exactly the keys "
                         f"'train' and 'val', got {cities!r}")
    out = {}
    for split in SPLITS:
        names = cities[split]
        if isinstance(names, str) or not isinstance(names, Sequence) \
                or not names:
            raise ValueError(f'cities[{split!r}] must be a non-empty list of '
                             f'city names, got {names!r}')
        for name in names:
            if not isinstance(name, str) or not _CITY_RE.match(name):
                raise ValueError(
                    f'Bad city name {name!r} in cities[{split!r}]: use '
                    'lowercase letters, digits and "-" (no "_", which '
                    'separates the parts of Cityscapes file names)')
        if len(set(names)) != len(names):
            raise ValueError(f'cities[{split!r}] has duplicates: {names!r}')
        out[split] = tuple(names)
    return out


def dataset_params(num_train: int = 200,
                   num_val: int = 50,
                   size: Tuple[int, int] = (512, 256),
                   seed: int = 0,
                   cities: Optional[Mapping[str, Sequence[str]]] = None
                   ) -> dict:
    """Check the generation parameters and return them normalised.

    The result is what the manifest stores and what :func:`is_complete`
    compares.

    Args:
        num_train (int): Number of training images (>= 0).
        num_val (int): Number of validation images (>= 0).
        size (tuple[int, int]): ``(width, height)``, both even and >= 16.
        seed (int): Base seed (>= 0).
        cities (dict, optional): ``{'train': [...], 'val': [...]}`` city
            names; defaults to :data:`DEFAULT_CITIES`.

    Returns:
        dict: JSON-friendly parameters.

    Raises:
        ValueError: If any parameter is invalid (the message names it).
    """
    num_train = _check_int('num_train', num_train, 0)
    num_val = _check_int('num_val', num_val, 0)
    if num_train + num_val == 0:
        raise ValueError('num_train and num_val are both 0: nothing to '
                         'generate')
    width, height = _check_size(size)
    seed = _check_int('seed', seed, 0)
    cities = _check_cities(cities)
    return dict(
        version=GENERATOR_VERSION,
        num_train=num_train,
        num_val=num_val,
        size=[width, height],
        seed=seed,
        cities={k: list(v) for k, v in cities.items()})


def expected_files(out_dir: str, params: dict) -> List[str]:
    """All files a complete dataset with ``params`` holds (no manifest).

    Args:
        out_dir (str): Dataset root.
        params (dict): From :func:`dataset_params`.

    Returns:
        list[str]: Image, labelIds and labelTrainIds paths.
    """
    files = []
    for split in SPLITS:
        for _, city, seq in _plan(params[f'num_{split}'],
                                  params['cities'][split]):
            files.extend(_paths(out_dir, split, city, seq).values())
    return files


def read_manifest(out_dir: str) -> Optional[dict]:
    """The manifest in ``out_dir``, or None if missing or unreadable."""
    try:
        with open(osp.join(out_dir, MANIFEST_NAME)) as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def is_complete(out_dir: str, params: dict) -> bool:
    """Whether ``out_dir`` holds a finished dataset made with ``params``.

    Args:
        out_dir (str): Dataset root.
        params (dict): From :func:`dataset_params`.

    Returns:
        bool: True if the manifest matches and every file exists.
    """
    manifest = read_manifest(out_dir)
    if manifest is None or manifest.get('params') != params:
        return False
    return all(osp.isfile(f) for f in expected_files(out_dir, params))


def _pool_context():
    """Multiprocessing context of the worker pool.

    ``fork`` is fastest, but forking a process that has already started
    PyTorch's (OpenMP) thread pool can deadlock the children, which then
    wait forever on a lock held by a thread that no longer exists (seen in
    the test suite). Once torch is imported we therefore ``spawn`` the
    workers (each re-imports this module).
    """
    if 'torch' in sys.modules or 'fork' not in \
            multiprocessing.get_all_start_methods():
        return multiprocessing.get_context('spawn')
    return multiprocessing.get_context('fork')


def generate_street_scenes(out_dir: str,
                           num_train: int = 200,
                           num_val: int = 50,
                           size: Tuple[int, int] = (512, 256),
                           seed: int = 0,
                           cities: Optional[Mapping[str,
                                                    Sequence[str]]] = None,
                           workers: int = 1) -> dict:
    """Generate a street-scene dataset in the Cityscapes layout.

    Existing files with the same names are overwritten; nothing is deleted.
    The manifest ``street_scenes.json`` is removed first and written last,
    so its presence marks a finished dataset.

    Args:
        out_dir (str): Dataset root (created if needed).
        num_train (int): Number of training images. Default: 200.
        num_val (int): Number of validation images. Default: 50.
        size (tuple[int, int]): ``(width, height)`` in pixels, both even and
            >= 16. Default: (512, 256).
        seed (int): Base seed; image ``i`` of a split uses
            ``np.random.default_rng((seed, split, i))``. Default: 0.
        cities (dict, optional): ``{'train': [...], 'val': [...]}``; each
            split's images are spread over its cities in contiguous blocks.
            Default: :data:`DEFAULT_CITIES`.
        workers (int): Worker processes. Default: 1 (in-process).

    Returns:
        dict: Summary with ``out_dir``, ``params``, ``counts`` (images per
        split), ``pixel_counts`` and ``class_fractions`` (per split and
        ``'all'``; keyed by class name, plus ``'void'``; fractions of all
        pixels), ``paths`` (image / label dirs per split, manifest),
        ``seconds`` and ``seconds_per_image``.

    Raises:
        ValueError: If an argument is invalid (the message names it).
    """
    if not isinstance(out_dir, (str, os.PathLike)) or not str(out_dir):
        raise ValueError(f'out_dir must be a path, got {out_dir!r}')
    params = dataset_params(num_train, num_val, size, seed, cities)
    workers = _check_int('workers', workers, 1)
    out_dir = os.fspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    manifest_path = osp.join(out_dir, MANIFEST_NAME)
    if osp.exists(manifest_path):
        os.remove(manifest_path)

    size = tuple(params['size'])
    tasks = []  # (split, jobs)
    chunk = 4
    for split in SPLITS:
        plan = _plan(params[f'num_{split}'], params['cities'][split])
        for i in range(0, len(plan), chunk):
            tasks.append((split, plan[i:i + chunk]))

    start = time.perf_counter()
    counts = {split: np.zeros(256, dtype=np.int64) for split in SPLITS}
    if workers == 1 or len(tasks) == 1:
        for split, jobs in tasks:
            counts[split] += _render_jobs(out_dir, split, jobs, size, seed)
    else:
        with ProcessPoolExecutor(min(workers, len(tasks)),
                                 mp_context=_pool_context(),
                                 initializer=_worker_init) as pool:
            futures = [(split, pool.submit(_render_jobs, out_dir, split,
                                           jobs, size, seed))
                       for split, jobs in tasks]
            for split, future in futures:
                counts[split] += future.result()
    seconds = time.perf_counter() - start

    counts['all'] = counts['train'] + counts['val']
    pixel_counts, fractions = {}, {}
    for key, c in counts.items():
        named = {name: int(c[i]) for i, name in enumerate(CLASSES)}
        named['void'] = int(c[IGNORE_INDEX])
        total = max(1, sum(named.values()))
        pixel_counts[key] = named
        fractions[key] = {k: v / total for k, v in named.items()}
    n_images = params['num_train'] + params['num_val']
    summary = dict(
        out_dir=out_dir,
        params=params,
        counts={split: params[f'num_{split}'] for split in SPLITS},
        pixel_counts=pixel_counts,
        class_fractions=fractions,
        paths=dict(
            manifest=manifest_path,
            **{split: dict(img_dir=osp.join(out_dir, 'leftImg8bit', split),
                           seg_map_dir=osp.join(out_dir, 'gtFine', split))
               for split in SPLITS}),
        seconds=seconds,
        seconds_per_image=seconds / n_images,
        workers=workers)
    manifest = {k: summary[k] for k in ('params', 'counts', 'pixel_counts',
                                         'class_fractions')}
    manifest['generator'] = 'mmseg_efficient.datasets.street_scenes'
    tmp = manifest_path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(manifest, f, indent=2)
    os.replace(tmp, manifest_path)
    return summary


def format_class_table(fractions: Mapping[str, Mapping[str, float]]) -> str:
    """A text table of class pixel fractions (in %), one column per key.

    Args:
        fractions (dict): ``{column: {class or 'void': fraction}}``, e.g.
            ``summary['class_fractions']``.

    Returns:
        str: The table.
    """
    cols = list(fractions)
    rows = [f'{"class":<15}' + ''.join(f'{c:>10}' for c in cols)]
    for name in CLASSES + ('void', ):
        rows.append(f'{name:<15}' + ''.join(
            f'{100 * fractions[c].get(name, 0.0):>9.2f}%' for c in cols))
    return '\n'.join(rows)
