# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Painted test results: titled ground truth / prediction, a legend of the
classes shown, one file per image named after it."""
import os

import mmcv
import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import mmseg_efficient  # noqa: F401  (registration)
from mmseg.registry import VISUALIZERS
from conftest import load_tool

CLASSES = ('road', 'sidewalk', 'building')
PALETTE = [(128, 64, 128), (244, 35, 232), (70, 70, 70)]


def _sample(h=64, w=96):
    gt = torch.zeros(1, h, w, dtype=torch.long)
    gt[:, :, w // 2:] = 2  # road | building
    pred = torch.zeros(1, h, w, dtype=torch.long)
    pred[:, h // 2:] = 1  # road / sidewalk
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(data=gt)
    sample.pred_sem_seg = PixelData(data=pred)
    return sample


def test_pair_is_titled_with_a_legend_and_named_after_the_image(tmp_path):
    vis = VISUALIZERS.build(
        dict(type='SegPairVisualizer', name='pair_vis_test',
             paint_dir=str(tmp_path / 'show'), alpha=1.0))
    vis.set_dataset_meta(classes=CLASSES, palette=PALETTE)
    image = np.full((64, 96, 3), 127, np.uint8)
    vis.add_datasample('test_aachen_000000_000019_leftImg8bit.png', image,
                       _sample(), step=0)
    assert os.listdir(tmp_path / 'show') == [
        'aachen_000000_000019_leftImg8bit.png'
    ]
    drawn = mmcv.imread(
        str(tmp_path / 'show' / 'aachen_000000_000019_leftImg8bit.png'),
        channel_order='rgb')
    # title strip (24) + the pair + legend rows (24 each)
    assert drawn.shape[1:] == (2 * 96, 3)
    assert drawn.shape[0] > 24 + 64 and (drawn.shape[0] - 64) % 24 == 0
    title, legend = drawn[:24], drawn[24 + 64:]
    # a dark title over each half
    assert (title[:, :96] < 100).any() and (title[:, 96:] < 100).any()
    # every class shown in either panel has its swatch in the legend
    for color in PALETTE:
        assert (np.abs(legend.astype(int) - color).sum(-1) < 10).any(), color


def test_test_tool_paints_with_the_pair_visualizer():
    tool = load_tool('tools/test.py')
    from mmengine.config import Config
    cfg = Config(dict(default_hooks=dict(visualization=dict(
        type='SegVisualizationHook')), visualizer=dict(
            type='SegLocalVisualizer', name='visualizer')))
    args = type('Args', (), dict(show=False, show_dir='/tmp/painted',
                                 wait_time=0))()
    cfg = tool.trigger_visualization_hook(cfg, args)
    assert cfg.visualizer.type == 'SegPairVisualizer'
    assert cfg.visualizer.paint_dir == '/tmp/painted'
    assert cfg.default_hooks.visualization.interval == 1
