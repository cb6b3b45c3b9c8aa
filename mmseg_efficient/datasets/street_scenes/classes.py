# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Classes, label ids, palettes and object tables of the street scenes."""
from typing import Tuple

import numpy as np

from ..cityscapes_labels import CITYSCAPES_CLASS_LABEL_IDS as CLASS_LABEL_IDS
from ..cityscapes_labels import CITYSCAPES_CLASSES as CLASSES

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


def label_ids_to_train_ids(label_ids: np.ndarray) -> np.ndarray:
    """Map Cityscapes label ids to train ids (0..18, 255 for void).

    Args:
        label_ids (np.ndarray): uint8 array of official label ids.

    Returns:
        np.ndarray: uint8 array of train ids, same shape.
    """
    return LABEL_ID_TO_TRAIN_ID[label_ids]
