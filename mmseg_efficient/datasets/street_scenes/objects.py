# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Street furniture, vegetation, people and vehicles: the drawers that
:class:`~.scene.StreetScene` places in depth order."""

import numpy as np

from .classes import _L, _VEHICLE_DIMS, _VEHICLE_FACES, _VEHICLE_SIDES
from .painter import _circle, _ground_disc, _plane, _X_AXIS, _Z_AXIS



class ObjectDrawers:
    """Mixin of :class:`~.scene.StreetScene`: one method per kind of object.

    Each method paints one object through ``self.painter`` with colours from
    ``self.colour`` and randomness from ``self.rng``.
    """

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
