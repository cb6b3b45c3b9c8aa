# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""``get_flops.py --counting thesis``: the ESSNet thesis' published
(params, GFLOPs) pairs, reproduced exactly by its own counting recipe."""
import os.path as osp

import pytest
from mmengine.config import Config

import mmseg_efficient  # noqa: F401
from conftest import REPO, run_tool
from mmseg_efficient.utils import config_complexity, thesis_complexity

SUFFIX = '_1xb6-75k_cityscapes-512x1024.py'


def _cfg(row):
    return Config.fromfile(osp.join(REPO, 'configs', 'essnet', row + SUFFIX))


# The ten self-consistent rows of Tables 3.2, 3.4 and 3.5, as printed.
PUBLISHED = [
    ('erfnet_deconv', 2_038_448, '27.705'),
    ('essnetb-dg2_deconv', 395_568, '8.852'),
    ('essnetb-dg4_deconv', 319_792, '7.980'),
    ('essnetb-dg8_deconv', 281_904, '7.543'),
    ('essneta-dg2_deconv', 1_238_960, '18.998'),
    ('essneta-dg4_deconv', 1_202_096, '18.595'),
    ('essneta-dg8_deconv', 1_183_664, '18.394'),
    ('essnet-d_ups', 431_312, '5.773'),
    ('essnet-dg2_ups', 279_760, '4.029'),
    ('essnet-dg4_ups', 203_984, '3.156'),
]


# Table 3.5's ESSNet-DG2 / DG4 were trained by gradual grouping: the same
# pairs come out of the gradual-grouping phase-2 configs, counted as the
# grouped network they deploy to.
GRADUAL = [
    ('gradual_grouping/essnet-dg2_gg-p2_ups', 279_760, '4.029'),
    ('gradual_grouping/essnet-dg4_gg-p2_ups', 203_984, '3.156'),
]


@pytest.mark.parametrize('row,params,gflops', PUBLISHED + GRADUAL)
def test_thesis_counting_reproduces_the_published_pair(row, params, gflops):
    result = thesis_complexity(_cfg(row))
    assert result['params'] == params
    assert f'{result["gmacs"]:.3f}' == gflops


@pytest.mark.parametrize('gradual,grouped', [
    ('gradual_grouping/essnet-dg2_gg-p2_ups', 'essnet-dg2_ups'),
    ('gradual_grouping/essnetb-dg4_gg-p2_deconv', 'essnetb-dg4_deconv'),
])
def test_gradual_grouping_config_counts_as_its_deployed_network(
        gradual, grouped):
    """Both countings: the gradual-grouping config (dense maskable convs
    while training) counts exactly as the grouped config it deploys to."""
    small = (64, 128)
    for counting in ('true', 'thesis'):
        got = config_complexity(_cfg(gradual), small, counting)
        want = config_complexity(_cfg(grouped), small, counting)
        assert got['params'] == want['params'], counting
        assert got['gmacs'] == pytest.approx(want['gmacs']), counting
        assert got['grouped_convs'] == 26 and want['grouped_convs'] == 0
    # the dense model it trains from is larger
    assert config_complexity(_cfg('essnet-d_ups' if 'essnet-' in gradual
                                  else 'essnetb-d_deconv'), small,
                             flops=False)['params'] > got['params']


def test_thesis_counting_refuses_a_network_outside_the_family():
    config = osp.join(REPO, 'configs', 'ndnet',
                      'fcn32_ndnet45_1xb16-80k_cityscapes-1024x1024.py')
    with pytest.raises(ValueError) as err:
        thesis_complexity(Config.fromfile(config))
    message = str(err.value)
    assert config in message and 'NDNet backbone' in message
    assert 'ESSNetA, ESSNetB, ESSNet and WSPD-Net' in message


def test_thesis_counting_of_the_inconsistent_rows():
    """ESSNetB-D is published as 683,568 / 10.597 and ESSNetA-D as
    1,291,648 / 19.025; the recipe gives what their DG series and the
    GFLOPs imply (reference notes §0, §3): the GFLOPs of ESSNetB-D agree,
    its params do not; ESSNetA-D fits no layout."""
    b_d = thesis_complexity(_cfg('essnetb-d_deconv'))
    assert (b_d['params'], f'{b_d["gmacs"]:.3f}') == (547_120, '10.597')
    a_d = thesis_complexity(_cfg('essneta-d_deconv'))
    assert (a_d['params'], f'{a_d["gmacs"]:.3f}') == (1_312_688, '19.803')


def test_thesis_counting_follows_the_shape_and_classes():
    cfg = _cfg('essnet-d_ups')
    full = thesis_complexity(cfg)
    half = thesis_complexity(cfg, shape=(256, 512))
    assert half['params'] == full['params']
    assert half['gmacs'] == pytest.approx(full['gmacs'] / 4)
    # 19 classes: the 2x2 output deconv loses 16 * 4 weights.
    assert thesis_complexity(cfg, num_classes=19)['params'] == (
        full['params'] - 64)


@pytest.mark.slow
def test_get_flops_counting_flag():
    config = osp.join('configs', 'essnet', 'erfnet_deconv' + SUFFIX)
    out = run_tool([
        'tools/analysis_tools/get_flops.py', config, '--shape', '512', '1024',
        '--counting', 'thesis'
    ]).stdout
    assert 'Flops: 27.705G' in out and 'Params: 2,038,448 (weights)' in out
    # The default is the true count of the network as built (19 classes,
    # every parameter).
    out = run_tool(
        ['tools/analysis_tools/get_flops.py', config, '--shape', '64',
         '128']).stdout
    assert 'Params: 2.064M (2,064,191)' in out


@pytest.mark.slow
def test_get_flops_counts_gradual_grouping_as_deployed_and_guards_thesis():
    config = osp.join('configs', 'essnet', 'gradual_grouping',
                      'essnet-dg2_gg-p2_ups' + SUFFIX)
    out = run_tool([
        'tools/analysis_tools/get_flops.py', config, '--shape', '512', '1024',
        '--counting', 'thesis'
    ]).stdout
    assert 'Flops: 4.029G' in out and 'Params: 279,760 (weights)' in out
    assert '26 maskable convs as grouped convs' in out
    ndnet = osp.join('configs', 'ndnet',
                     'fcn32_ndnet45_1xb16-80k_cityscapes-1024x1024.py')
    result = run_tool(['tools/analysis_tools/get_flops.py', ndnet,
                       '--counting', 'thesis'], check=False)
    assert result.returncode != 0
    assert ndnet in result.stderr and 'WSPD-Net' in result.stderr


def _deviations():
    import yaml
    with open(osp.join(REPO, 'configs', 'essnet', 'metafile.yaml')) as f:
        models = yaml.safe_load(f)['Models']
    return {m['Config']: m['Paper Claim']['Deviation'] for m in models
            if 'Deviation' in (m.get('Paper Claim') or {})}


def test_metafile_records_the_decoder_deviations_with_their_counts():
    """Where a decoder deviates from the thesis (kernel = stride), the
    metafile says so in ``Paper Claim.Deviation`` with the thesis-counted
    params / GFLOPs of our config, which this test recounts."""
    import re
    deviations = _deviations()
    trans8x = 'configs/essnet/essnet-d_trans8x' + SUFFIX
    assert trans8x in deviations and '4.89' in deviations[trans8x]
    for config, text in deviations.items():
        match = re.search(r'thesis-counted ([\d,]+) params / ([\d.]+) GFLOPs',
                          text)
        assert match, (config, text)
        result = thesis_complexity(Config.fromfile(osp.join(REPO, config)))
        assert (f'{result["params"]:,}', f'{result["gmacs"]:.3f}') == \
            match.groups(), config


def test_the_thesis_trans8x_decoder_cannot_be_built():
    """Table 4.1's trans8x read as a 3x3 stride-8 transposed conv leaves 55
    of every 64 logits to the bias alone: it cannot learn them, so no
    config ships it and the head refuses it, naming the layer."""
    from mmseg_efficient.utils import build_segmentor
    cfg = _cfg('essnet-d_trans8x')
    cfg.model.decode_head.out_cfg.kernel_size = 3
    with pytest.raises(ValueError, match=r"'kernel_size': 3, 'stride': 8.*"
                       'only its bias reaches'):
        build_segmentor(cfg)


def test_update_metafile_counts_as_get_flops(tmp_path):
    """tools/misc/update_metafile.py writes get_flops.py's counts: a
    gradual-grouping config as the grouped network it deploys to; the
    other fields and the leading comment stay."""
    import yaml

    from conftest import load_tool
    config = ('configs/essnet/gradual_grouping/'
              'essnet-dg2_gg-p2_ups_1xb4-300i_streetscenes-128x256.py')
    meta = tmp_path / 'metafile.yaml'
    meta.write_text('# kept\nModels:\n- Name: gg\n  Config: ' + config +
                    '\n  Metadata:\n    Parameters: 1\n  Results: []\n')
    load_tool('tools/misc/update_metafile.py').main(
        [str(meta), '--flops', '--shape', '32', '64'])
    want = config_complexity(
        Config.fromfile(osp.join(REPO, config)), (32, 64))
    assert meta.read_text().startswith('# kept\n')
    (entry, ) = yaml.safe_load(meta.read_text())['Models']
    assert entry['Metadata']['Parameters'] == want['params'] == 263_343
    assert entry['Metadata']['FLOPs (G)'] == round(want['gmacs'], 3)
    assert entry['Results'] == []
