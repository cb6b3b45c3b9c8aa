# Copyright (c) mmseg_efficient contributors. All rights reserved.
import pytest

from mmseg_efficient.utils.paired_stats import (mean_sd, paired_comparison,
                                                _sign_flip_p)


def test_mean_sd():
    s = mean_sd([1.0, 2.0, 4.0])
    assert s['n'] == 3 and s['mean'] == pytest.approx(7 / 3)
    assert s['sd'] == pytest.approx(1.5275252, rel=1e-6)
    assert (s['min'], s['max']) == (1.0, 4.0)
    assert mean_sd([5.0])['sd'] == 0.0
    with pytest.raises(ValueError, match='at least one'):
        mean_sd([])


def test_interval_matches_the_t_distribution():
    # diffs 1, 2, 3: mean 2, sd 1, t(0.975, 2) = 4.302653
    r = paired_comparison([0, 0, 0], [1, 2, 3])
    assert r['diffs'] == [1, 2, 3] and r['mean_diff'] == 2
    half = 4.302653 / 3**0.5
    assert r['ci'][0] == pytest.approx(2 - half, abs=1e-5)
    assert r['ci'][1] == pytest.approx(2 + half, abs=1e-5)
    # 3 of 3 seeds the paper's way, yet the interval holds 0
    assert r['verdict'] == 'inconclusive' and r['wins'] == 3
    # all 3 positive: only 1 of the 8 sign flips is as large
    assert r['p_one_sided'] == pytest.approx(1 / 8)
    assert r['p_two_sided'] == pytest.approx(2 / 8)
    tight = paired_comparison([0, 0, 0], [2, 2.5, 3])
    assert tight['ci'][0] > 0 and tight['verdict'] == 'holds'


def test_verdicts_follow_the_papers_direction():
    worse = paired_comparison([10, 11, 12, 13], [9, 10, 10.8, 12.1])
    assert worse['verdict'] == 'contradicted' and worse['wins'] == 0
    assert worse['p_one_sided'] == 1.0
    # the same numbers where the paper says B is below A
    lower = paired_comparison([10, 11, 12, 13], [9, 10, 10.8, 12.1],
                              expect='less')
    assert lower['verdict'] == 'holds' and lower['wins'] == 4
    assert lower['p_one_sided'] == pytest.approx(1 / 16)
    mixed = paired_comparison([1, 2, 3], [2, 1.5, 3.2])
    assert mixed['verdict'] == 'inconclusive' and mixed['wins'] == 2
    assert mixed['ci'][0] < 0 < mixed['ci'][1]
    one = paired_comparison([1], [2])
    assert one['verdict'] == 'too few seeds' and one['ci'] is None


def test_sign_flip_p_exact_and_sampled():
    assert _sign_flip_p([1, 1])['greater'] == pytest.approx(1 / 4)
    assert _sign_flip_p([1, -1])['greater'] == pytest.approx(3 / 4)
    # beyond the exact limit it samples: all 20 positive is ~2**-20
    sampled = _sign_flip_p([1.0] * 20, exact_up_to=16, samples=2000)
    assert sampled['greater'] < 0.01


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match='as many values'):
        paired_comparison([1, 2], [1])
    with pytest.raises(ValueError, match="expect must be"):
        paired_comparison([1, 2], [1, 2], expect='bigger')
