# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Scene layout: the street plan, ground, buildings and the placement
of objects, then texture, light and exposure."""
import zlib
from numbers import Integral
from typing import List, Optional, Tuple

import cv2
import numpy as np

from .classes import (DEFAULT_CITIES, _IS_GROUND, _L, _PALETTES, _TEX_COARSE,
                      _TEX_FINE, _TEX_MID, _WEATHER, _WEATHER_P)
from .painter import (_fixed, _ground_rect, _Painter, _plane, _rect, _SHIFT,
                      _X_AXIS, _Z_AXIS)
from .objects import ObjectDrawers

_MIN_SIZE = 16


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


class StreetScene(ObjectDrawers):
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


def _city_style(city: str) -> dict:
    """Small per-city differences (facade tint, heights, greenery)."""
    rng = np.random.default_rng(zlib.crc32(city.encode('utf-8')))
    return dict(
        tint=rng.uniform(-12, 12, 3),
        height_scale=rng.uniform(0.85, 1.2),
        greenery=rng.uniform(0.2, 0.8),
        p_building=rng.uniform(0.6, 0.85))


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
    scene = StreetScene(rng, width, height, _city_style(city))
    return scene.render()
