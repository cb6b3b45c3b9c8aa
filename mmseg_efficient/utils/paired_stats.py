# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""Paired comparison of two training recipes run with the same seeds.

Seed ``k`` of arm A and seed ``k`` of arm B see the same data order and the
same initialisation of their shared parts, so the per-seed differences
``B_k - A_k`` carry the comparison; :func:`paired_comparison` summarises
them with a 95 % t interval, an exact sign-flip permutation test and a
verdict in words.
"""
import itertools
import math
import random
import statistics
from typing import Dict, Sequence

__all__ = ['paired_comparison', 'mean_sd', 'VERDICTS']

#: The verdicts :func:`paired_comparison` gives, with their meaning.
VERDICTS = {
    'holds': 'the 95 % interval of the paired difference lies entirely on '
    "the paper's side of 0",
    'contradicted': 'the 95 % interval lies entirely on the other side '
    'of 0',
    'inconclusive': 'the 95 % interval contains 0',
    'too few seeds': 'fewer than 2 paired seeds',
}


def mean_sd(values: Sequence[float]) -> Dict[str, float]:
    """Mean, sample standard deviation (0 for one value), min, max, n."""
    values = [float(v) for v in values]
    if not values:
        raise ValueError('mean_sd needs at least one value')
    return dict(
        n=len(values),
        mean=statistics.mean(values),
        sd=statistics.stdev(values) if len(values) > 1 else 0.0,
        min=min(values),
        max=max(values))


def _t_quantile(q: float, df: int) -> float:
    from scipy.stats import t  # a dependency of mmseg
    return float(t.ppf(q, df))


def _sign_flip_p(diffs: Sequence[float], exact_up_to: int = 16,
                 samples: int = 20000) -> Dict[str, float]:
    """One- and two-sided p of the sign-flip permutation test of mean 0.

    Under the null hypothesis (no difference between the arms) each paired
    difference is as likely to have either sign; the p value is the share of
    the ``2**n`` sign assignments whose mean is at least as extreme as the
    observed one (enumerated for ``n <= exact_up_to``, sampled with a fixed
    seed beyond).
    """
    n = len(diffs)
    observed = sum(diffs)
    tol = 1e-12 * max(1.0, sum(abs(d) for d in diffs))
    if n <= exact_up_to:
        signs = itertools.product((1, -1), repeat=n)
        total = 2**n
    else:
        rng = random.Random(0)
        signs = ([rng.choice((1, -1)) for _ in range(n)]
                 for _ in range(samples))
        total = samples
    greater = extreme = 0
    for s in signs:
        value = sum(si * d for si, d in zip(s, diffs))
        greater += value >= observed - tol
        extreme += abs(value) >= abs(observed) - tol
    return dict(greater=greater / total, two_sided=extreme / total)


def paired_comparison(a: Sequence[float],
                      b: Sequence[float],
                      expect: str = 'greater',
                      confidence: float = 0.95) -> Dict:
    """Compare arm B with arm A on paired runs (same seeds, same order).

    Args:
        a (Sequence[float]): Arm A's metric per seed.
        b (Sequence[float]): Arm B's metric for the same seeds.
        expect (str): The paper's direction: ``'greater'`` (B beats A) or
            ``'less'`` (B is below A).
        confidence (float): Level of the t interval. Default: 0.95.

    Returns:
        dict: ``n``, ``diffs`` (B - A per seed), ``mean_diff``, ``sd_diff``,
        ``ci`` (low, high) of the mean difference (None for n < 2),
        ``p_one_sided`` (sign-flip test in the paper's direction),
        ``p_two_sided``, ``wins`` (seeds whose difference goes the paper's
        way), ``verdict`` (a key of :data:`VERDICTS`).
    """
    if expect not in ('greater', 'less'):
        raise ValueError(f"expect must be 'greater' or 'less', got "
                         f'{expect!r}')
    if len(a) != len(b):
        raise ValueError(f'paired arms need as many values each, got '
                         f'{len(a)} and {len(b)}')
    diffs = [float(y) - float(x) for x, y in zip(a, b)]
    n = len(diffs)
    sign = 1 if expect == 'greater' else -1
    out = dict(n=n, diffs=diffs, expect=expect, confidence=confidence,
               mean_diff=statistics.mean(diffs) if diffs else None,
               sd_diff=statistics.stdev(diffs) if n > 1 else None,
               ci=None, p_one_sided=None, p_two_sided=None,
               wins=sum(1 for d in diffs if sign * d > 0))
    if n < 2:
        out['verdict'] = 'too few seeds'
        return out
    half = _t_quantile(0.5 + confidence / 2, n - 1) * out['sd_diff'] / \
        math.sqrt(n)
    low, high = out['mean_diff'] - half, out['mean_diff'] + half
    out['ci'] = (low, high)
    p = _sign_flip_p([sign * d for d in diffs])
    out['p_one_sided'] = p['greater']
    out['p_two_sided'] = p['two_sided']
    # the interval in the paper's orientation (positive: the paper's way)
    oriented = sorted((sign * low, sign * high))
    if oriented[0] > 0:
        out['verdict'] = 'holds'
    elif oriented[1] < 0:
        out['verdict'] = 'contradicted'
    else:
        out['verdict'] = 'inconclusive'
    return out
