# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""ImageNet pre-training (configs/pretrain) and its loading into the
segmentation configs named ``-in1k-pre_`` (issue 14): the classifiers are
mmpretrain's ImageClassifier with our encoders, trained by mmpretrain's
Runner flow through tools/train.py; their ``backbone.`` weights load into
the matching segmentor with no missing or unexpected key (a strict
``Pretrained`` init), and the encoder gets the thesis' 4x smaller lr and
weight decay."""
import copy
import glob
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.optim import build_optim_wrapper
from mmengine.registry import MODELS, init_default_scope
from mmengine.runner.checkpoint import _load_checkpoint

import mmseg_efficient  # noqa: F401  (registers the plugin)
from conftest import REPO, run_tool  # noqa: E402
from helpers.checkpoint_keys import (prefixed_shapes,  # noqa: E402
                                     prefixed_tensors)
from mmseg_efficient.utils import CheckpointMismatchError, load_config

CLASSIFIERS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', 'pretrain', '*.py')))
IN1K_PRE = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*-in1k-pre_*.py'),
                       recursive=True))
CHECKPOINT = re.compile(r'^work_dirs/([^/]+)/epoch_(\d+)\.pth$')
# mmpretrain's own ShuffleNetV2 classifier and the configs that load its
# released checkpoint (conv5, which the atrous backbone drops, aside)
SHUFFLENET = ('mmpretrain::shufflenet_v2/shufflenet-v2-1x_16xb64_in1k.py',
              'configs/shufflenetv2_dpc/'
              'dpc_shufflenetv2-1x-os16_1xb16-120k_cityscapes-769x769.py')
ENCODER_FAMILIES = {
    'ERFNetEncoder', 'ESSNetA', 'ESSNetB', 'WSPDNet', 'NDNet',
    'EfficientSegEncoder'
}


def _cfg(config):
    return load_config(config if '::' in config else osp.join(REPO, config))


def _classifier_of(seg_config):
    """The classifier config whose work dir holds the seg config's encoder
    checkpoint, and that checkpoint's epoch."""
    init = _cfg(seg_config).model.backbone.init_cfg
    match = CHECKPOINT.match(init.checkpoint)
    assert match, init.checkpoint
    return f'configs/pretrain/{match.group(1)}.py', int(match.group(2))


ROUND_TRIPS = [(_classifier_of(c)[0], c) for c in IN1K_PRE] + [SHUFFLENET]


def test_every_encoder_family_has_a_classifier_and_an_in1k_pre_config():
    assert {_classifier_of(c)[0] for c in IN1K_PRE} == set(CLASSIFIERS)
    assert len(IN1K_PRE) == len(CLASSIFIERS)
    families = {_cfg(c).model.backbone.type for c in IN1K_PRE}
    assert families == ENCODER_FAMILIES


@pytest.mark.parametrize('config', CLASSIFIERS)
def test_classifier_is_mmpretrains_imagenet_recipe(config):
    cfg = _cfg(config)
    assert cfg.default_scope == 'mmpretrain'
    assert 'mmseg_efficient' in cfg.custom_imports.imports
    model = cfg.model
    assert model.type == 'ImageClassifier'
    assert model.backbone.type.startswith('mmseg.')  # cross-scope type
    assert len(model.backbone.out_indices) == 1  # only the last is pooled
    assert model.neck.type == 'GlobalAveragePooling'
    assert (model.head.type, model.head.num_classes) == ('LinearClsHead',
                                                         1000)
    dataset = cfg.train_dataloader.dataset
    assert (dataset.type, dataset.split) == ('ImageNet', 'train')
    assert [t.type for t in dataset.pipeline] == [
        'LoadImageFromFile', 'RandomResizedCrop', 'RandomFlip', 'PackInputs'
    ]
    assert dataset.pipeline[1].scale == 224
    assert cfg.optim_wrapper.optimizer.type == 'SGD'
    assert cfg.train_dataloader.batch_size * 8 == \
        cfg.auto_scale_lr.base_batch_size == 256
    init_default_scope('mmpretrain')
    classifier = MODELS.build(model).eval()
    with torch.no_grad():
        logits = classifier(torch.rand(2, 3, 64, 64), mode='tensor')
    assert logits.shape == (2, 1000)


@pytest.mark.parametrize('config', IN1K_PRE)
def test_in1k_pre_config_loads_its_classifiers_encoder_strictly(config):
    cfg = _cfg(config)
    init = cfg.model.backbone.init_cfg
    assert (init.type, init.prefix, init.strict) == ('Pretrained',
                                                     'backbone.', True)
    classifier, epoch = _classifier_of(config)
    cls_cfg = _cfg(classifier)
    assert cls_cfg.train_cfg.max_epochs == epoch  # its last checkpoint
    # the one key check: same encoder keys and shapes, nothing missing or
    # unexpected
    seg_keys = prefixed_shapes(cfg.model)
    cls_keys = prefixed_shapes(cls_cfg.model, scope='mmpretrain')
    assert seg_keys == cls_keys and len(seg_keys) > 20
    assert cfg.model.backbone.type == cls_cfg.model.backbone.type[
        len('mmseg.'):]


def _param_groups(model, optim_cfg):
    init_default_scope('mmseg')
    wrapper = build_optim_wrapper(model, copy.deepcopy(optim_cfg))
    names = {id(p): n for n, p in model.named_parameters()}
    out = {}
    defaults = wrapper.optimizer.defaults
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            out[names[id(p)]] = (group['lr'], group['weight_decay'])
    assert len(out) == len(names)
    return out, defaults


@pytest.mark.parametrize('config', IN1K_PRE)
def test_encoder_lr_and_weight_decay_are_4x_smaller(config):
    """Thesis §4.2: lr and weight decay of the pre-trained encoder 4x
    smaller than the rest, on top of the family's own paramwise rules (e.g.
    NDNet's: no decay on norms and biases)."""
    cfg = _cfg(config)
    init_default_scope('mmseg')
    model = MODELS.build(copy.deepcopy(cfg.model))
    custom = cfg.optim_wrapper.paramwise_cfg.custom_keys
    assert custom == {'backbone': dict(lr_mult=0.25, decay_mult=0.25)}
    family = copy.deepcopy(cfg.optim_wrapper)
    family.pop('constructor', None)
    del family.paramwise_cfg['custom_keys']
    ours, _ = _param_groups(model, cfg.optim_wrapper)
    theirs, defaults = _param_groups(model, family)
    for name, (lr, wd) in ours.items():
        mult = 0.25 if name.startswith('backbone.') else 1.
        assert lr == pytest.approx(theirs[name][0] * mult), name
        assert wd == pytest.approx(theirs[name][1] * mult), name
    backbone = [v for k, v in ours.items() if k.startswith('backbone.')]
    assert (defaults['lr'] * 0.25, defaults['weight_decay'] * 0.25) in \
        [pytest.approx(v) for v in backbone]


class _Toy(nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
        self.head = nn.Sequential(nn.Conv2d(4, 2, 1), nn.BatchNorm2d(2))


def test_multiplicative_custom_keys_keep_the_other_rules():
    optim = dict(type='OptimWrapper',
                 optimizer=dict(type='SGD', lr=0.1, weight_decay=1e-4))
    keys = {'backbone': dict(lr_mult=0.25, decay_mult=0.25)}
    model = _Toy()
    default, _ = _param_groups(
        model, dict(optim, paramwise_cfg=dict(custom_keys=keys)))
    ours, _ = _param_groups(
        model,
        dict(optim, constructor='MultiplicativeCustomKeysConstructor',
             paramwise_cfg=dict(custom_keys=keys)))
    assert ours == default  # no other rule: the same groups
    rules = dict(custom_keys=keys, norm_decay_mult=0., bias_decay_mult=0.)
    default, _ = _param_groups(model, dict(optim, paramwise_cfg=rules))
    ours, _ = _param_groups(
        model,
        dict(optim, constructor='MultiplicativeCustomKeysConstructor',
             paramwise_cfg=rules))
    # mmengine: the key replaces the norm rule; here it scales it
    assert default['backbone.1.weight'] == pytest.approx((0.025, 2.5e-5))
    assert ours['backbone.1.weight'] == pytest.approx((0.025, 0.))
    assert ours['backbone.0.bias'] == pytest.approx((0.025, 0.))
    assert ours['backbone.0.weight'] == pytest.approx((0.025, 2.5e-5))
    assert ours['head.1.weight'] == pytest.approx((0.1, 0.))
    assert ours['head.0.weight'] == pytest.approx((0.1, 1e-4))


def _random_classifier_checkpoint(config, path):
    init_default_scope('mmpretrain')
    classifier = MODELS.build(_cfg(config).model)
    torch.save({'state_dict': classifier.state_dict(), 'meta': {}}, path)
    return classifier


def _seg_model(config, checkpoint, **init):
    cfg = _cfg(config)
    cfg.model.backbone.init_cfg.checkpoint = str(checkpoint)
    cfg.model.backbone.init_cfg.update(init)
    init_default_scope('mmseg')
    return MODELS.build(cfg.model)


def test_another_familys_classifier_is_refused_naming_the_keys(tmp_path):
    ckpt = tmp_path / 'erfnet_cls.pth'
    _random_classifier_checkpoint('configs/pretrain/erfnet-enc_8xb32_in1k.py',
                                  ckpt)
    seg = ('configs/essnet/'
           'essnet-d-in1k-pre_ups_1xb6-75k_cityscapes-512x1024.py')
    with pytest.raises(CheckpointMismatchError) as err:
        _seg_model(seg, ckpt).init_weights()
    msg = str(err.value)
    assert f"The 'backbone.' weights of checkpoint {ckpt}" in msg
    assert 'do not fit the model (ESSNetB)' in msg
    assert re.search(r"\d+ of the model's \d+ keys are missing from it "
                     r'\(stages\.1\.1\.dw_conv1\.weight', msg), msg
    assert 'are not in the model (stages.1.1.convs_layers' in msg
    assert 'init_cfg.strict=False' in msg
    # strict=False is mmengine's Pretrained init: what fits loads, the rest
    # is only logged
    model = _seg_model(seg, ckpt, strict=False)
    model.init_weights()


def test_a_checkpoint_without_backbone_keys_is_refused(tmp_path):
    ckpt = tmp_path / 'bare.pth'
    init_default_scope('mmseg')
    seg = ('configs/ndnet/'
           'fcn32_ndnet45-in1k-pre_1xb16-80k_cityscapes-1024x1024.py')
    model = _seg_model(seg, ckpt)
    torch.save(model.backbone.state_dict(), ckpt)  # no 'backbone.' prefix
    with pytest.raises(CheckpointMismatchError, match=r'(?s)NDNet.*keys are '
                       r'missing from it \(conv1'):
        model.init_weights()


# ---------------------------------------------------------------------------
# Round trips: classifier training on a tiny ImageNet-layout folder, then
# the checkpoint into the segmentor
# ---------------------------------------------------------------------------
@pytest.fixture(scope='module')
def tiny_imagenet(tmp_path_factory):
    """ImageNet layout (mmpretrain's ``ImageNet`` dataset): train/<wnid>/
    and val/<wnid>/ JPEGs of 2 classes plus meta/{train,val}.txt
    ("<path> <label>"). With the meta files the dataset takes the labels
    from them (a class subset: labels 0, 1 of the 1000-way head); without,
    it would require 1000 class folders."""
    root = tmp_path_factory.mktemp('imagenet')
    rng = np.random.default_rng(0)
    os.makedirs(root / 'meta')
    for split in ('train', 'val'):
        lines = []
        for label, wnid in enumerate(('n01440764', 'n01443537')):
            os.makedirs(root / split / wnid)
            for i in range(2):
                name = f'{wnid}/{wnid}_{i}.JPEG'
                img = rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)
                img[..., label] //= 4  # a class cue
                cv2.imwrite(str(root / split / name), img)
                lines.append(f'{name} {label}')
        (root / 'meta' / f'{split}.txt').write_text('\n'.join(lines) + '\n')
    return str(root)


def _classifier_opts(root, crop=32):
    """Tiny runs: 1 epoch of 2 iterations, ``crop`` pixel crops."""
    opts = {f'{loader}.dataset.data_root': root
            for loader in ('train_dataloader', 'val_dataloader',
                           'test_dataloader')}
    opts.update({
        'train_cfg.max_epochs': 1,
        'train_dataloader.batch_size': 2,
        'val_dataloader.batch_size': 2,
        'train_dataloader.num_workers': 0,
        'val_dataloader.num_workers': 0,
        'train_dataloader.dataset.pipeline.1.scale': crop,
        'val_dataloader.dataset.pipeline.1.scale': crop + 4,
        'val_dataloader.dataset.pipeline.2.crop_size': crop,
    })
    return opts


@pytest.mark.slow
@pytest.mark.parametrize('classifier,seg', ROUND_TRIPS)
def test_classifier_to_segmentor_round_trip(classifier, seg, tiny_imagenet,
                                            tmp_path):
    """Train the classifier through mmpretrain's Runner flow (what
    tools/train.py runs) for 2 iterations; its checkpoint initialises the
    segmentor's encoder: every encoder key from it, nothing left over
    (ShuffleNetV2: but conv5, which the atrous backbone drops), equal
    tensors."""
    from mmengine.runner import Runner
    opts = _classifier_opts(tiny_imagenet)
    if classifier == SHUFFLENET[0]:  # its warm-up would end at iter 5000
        opts.update({'param_scheduler.0.end': 1,
                     'param_scheduler.1.begin': 1})
    cfg = load_config(classifier if '::' in classifier else osp.join(
        REPO, classifier), opts)
    cfg.work_dir = str(tmp_path)
    cfg.launcher = 'none'
    Runner.from_cfg(cfg).train()
    ckpt = tmp_path / 'epoch_1.pth'
    trained = prefixed_tensors(
        _load_checkpoint(str(ckpt), map_location='cpu')['state_dict'])
    model = _seg_model(seg, ckpt)
    model.init_weights()
    loaded = model.backbone.state_dict()
    extra = set(trained) - set(loaded)
    if classifier == SHUFFLENET[0]:
        assert extra and all(k.startswith('layers.3.') for k in extra)
    else:
        assert not extra
    assert set(loaded) <= set(trained)
    for key, value in loaded.items():
        assert torch.equal(value, trained[key]), key


@pytest.mark.slow
def test_documented_command_trains_a_classifier(tiny_imagenet, tmp_path):
    """The README's first command, tools/train.py on a classifier config
    (mmpretrain's scope, the tool has no special case for it); its
    checkpoint then fits the -in1k-pre config that names it. (The round
    trips above use the same Runner flow in-process; the street-scene
    miniature runs the second command with this loading.)"""
    cls_dir = str(tmp_path / 'cls')
    opts = [f'{k}={v}' for k, v in _classifier_opts(tiny_imagenet).items()]
    proc = run_tool([
        'tools/train.py', 'configs/pretrain/essnetb-d_8xb32_in1k.py',
        '--work-dir', cls_dir, '--cfg-options', *opts
    ])
    log = proc.stdout + proc.stderr
    assert 'Epoch(val) [1]' in log and 'accuracy/top1' in log
    ckpt = osp.join(cls_dir, 'epoch_1.pth')
    seg = ('configs/essnet/'
           'essnet-d-in1k-pre_ups_1xb6-75k_cityscapes-512x1024.py')
    model = _seg_model(seg, ckpt)
    model.init_weights()  # strict: raises if anything does not fit
    trained = prefixed_tensors(_load_checkpoint(ckpt)['state_dict'])
    loaded = model.backbone.state_dict()
    assert trained.keys() == loaded.keys()
    assert all(torch.equal(trained[k], v) for k, v in loaded.items())

def test_metafile_lists_every_classifier_with_its_counts():
    import yaml
    with open(osp.join(REPO, 'configs', 'pretrain', 'metafile.yaml')) as f:
        models = {m['Name']: m for m in yaml.safe_load(f)['Models']}
    assert set(models) == {osp.basename(c)[:-3] for c in CLASSIFIERS}
    loaders = {_classifier_of(c)[0]: c for c in IN1K_PRE}
    init_default_scope('mmpretrain')
    for config in CLASSIFIERS:
        entry = models[osp.basename(config)[:-3]]
        assert entry['Config'] == config
        assert entry['Metadata']['Loaded By'] == loaders[config]
        assert entry['Results'] == [] and entry['Weights'] is None
        classifier = MODELS.build(_cfg(config).model)
        assert entry['Metadata']['Parameters'] == sum(
            p.numel() for p in classifier.parameters())
        assert entry['Metadata']['Backbone Parameters'] == sum(
            p.numel() for p in classifier.backbone.parameters())


def _normalisation(cfg):
    """(mean, std, RGB?) of the inputs a config's model sees: the model's
    ``data_preprocessor``, else the top-level one (mmengine's Runner passes
    it to the model); mmseg says ``bgr_to_rgb``, mmpretrain ``to_rgb``."""
    pre = cfg.model.get('data_preprocessor') or cfg.get('data_preprocessor')
    rgb = pre.get('bgr_to_rgb', pre.get('to_rgb', False))
    return [float(v) for v in pre.mean], [float(v) for v in pre.std], rgb


@pytest.mark.parametrize('config', IN1K_PRE)
def test_pretraining_normalises_inputs_as_fine_tuning(config):
    """The encoder is pre-trained on the inputs it is fine-tuned on: the
    classifier's mean, std and channel order are the segmentation
    config's."""
    classifier, _ = _classifier_of(config)
    assert _normalisation(_cfg(classifier)) == _normalisation(_cfg(config))


def test_shufflenet_normalisation_differs_as_its_readme_says():
    """mmpretrain's released ShuffleNetV2 checkpoint was trained on ImageNet
    mean/std inputs; the DPC configs keep the authors' [-1, 1] inputs. The
    one deliberate difference, stated in the family's README."""
    classifier, seg = SHUFFLENET
    assert _normalisation(_cfg(classifier)) != _normalisation(_cfg(seg))
    assert _normalisation(_cfg(seg))[:2] == ([127.5] * 3, [127.5] * 3)
    with open(osp.join(REPO, 'configs', 'shufflenetv2_dpc',
                       'README.md')) as f:
        readme = ' '.join(f.read().split())
    assert 'ImageNet mean/std inputs, while the inputs here are in [-1, 1]' \
        in readme
