# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Procedural street scenes in the exact Cityscapes layout.

A sub-package of its own, NOT imported by ``import mmseg_efficient``
(training processes never need it): ``classes`` (classes, label ids,
palettes, object tables), ``painter`` (camera and filling), ``objects``
(street furniture, people, vehicles), ``scene`` (street layout, light,
exposure; :func:`render_scene`) and ``writer`` (file layout, parallel
rendering, manifest; :func:`generate_street_scenes`).

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
from .classes import (CLASS_LABEL_IDS, CLASSES, DEFAULT_CITIES, IGNORE_INDEX,
                      LABEL_ID_TO_TRAIN_ID, VOID_LABEL_IDS,
                      label_ids_to_train_ids)
from .scene import render_scene
from .writer import (GENERATED_DIRS, GENERATOR_VERSION, MANIFEST_NAME, SPLITS,
                     dataset_params, expected_files, format_class_table,
                     generate_street_scenes, is_complete, read_manifest)

__all__ = [
    'CLASSES', 'CLASS_LABEL_IDS', 'IGNORE_INDEX', 'VOID_LABEL_IDS',
    'LABEL_ID_TO_TRAIN_ID', 'DEFAULT_CITIES', 'MANIFEST_NAME',
    'GENERATOR_VERSION', 'GENERATED_DIRS', 'SPLITS', 'generate_street_scenes', 'render_scene',
    'label_ids_to_train_ids', 'dataset_params', 'read_manifest',
    'is_complete', 'expected_files', 'format_class_table'
]
