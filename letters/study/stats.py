"""Rates and intervals, each inside its possible range: the one home of every claim's uncertainty.

A rate (k of n) gets a Wilson score interval, which never leaves [0, 1] and is never zero-width for
a finite n; a mean over seeds gets a Student t interval clipped to what the measure can be (an
accuracy never above 1, a count never below 0); anything else a percentile bootstrap. Pure Python
and torch, no words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

WILSON_Z = 1.959964  # 95% two-sided
# two-sided 95% Student t quantiles by degrees of freedom; 1.96 beyond the table
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
        12: 2.179, 15: 2.131, 20: 2.086, 30: 2.042, 60: 2.0}


@dataclass
class Rate:
    """k of n, with a 95% Wilson interval."""

    k: int
    n: int
    rate: float
    low: float
    high: float


def wilson(k: int, n: int, z: float = WILSON_Z) -> Rate:
    """k of n with its Wilson score interval (n = 0: the whole range, nothing known)."""
    if n == 0:
        return Rate(k, n, 0.0, 0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Rate(k, n, round(p, 4), round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


@dataclass
class Interval:
    """A mean with its 95% interval, inside the measure's possible range."""

    mean: float
    low: float
    high: float
    n: int


def _t95(df: int) -> float:
    if df <= 0:
        return float("nan")
    return _T95[max(k for k in _T95 if k <= df)] if df <= 60 else 1.96


def mean_interval(values, lo: float = -math.inf, hi: float = math.inf) -> Interval:
    """Mean and 95% t interval of the mean, clipped to [lo, hi], the measure's own range; one value has
    no interval (NaN bounds), none has no mean."""
    v = [float(x) for x in values if x is not None and x == x]
    n = len(v)
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    mean = sum(v) / n
    if n == 1:
        return Interval(mean, float("nan"), float("nan"), 1)
    sd = math.sqrt(sum((x - mean) ** 2 for x in v) / (n - 1))
    half = _t95(n - 1) * sd / math.sqrt(n)
    return Interval(mean, max(lo, mean - half), min(hi, mean + half), n)


def percentile_interval(values: torch.Tensor) -> Interval:
    """Mean and the 2.5th to 97.5th percentile of the values themselves (controls, bootstraps): always
    inside their range, since every bound is one of them."""
    v = values.double().flatten()
    if v.numel() == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    q = torch.quantile(v, torch.tensor([0.025, 0.975], dtype=torch.float64))
    return Interval(float(v.mean()), float(q[0]), float(q[1]), v.numel())


def bootstrap_mean(values: torch.Tensor, resamples: int = 1000, seed: int = 0) -> Interval:
    """Mean of (N,) values with a percentile bootstrap interval over them (resampled with replacement)."""
    v = values.double().flatten()
    if v.numel() == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    g = torch.Generator().manual_seed(seed)
    picks = torch.randint(0, v.numel(), (resamples, v.numel()), generator=g)
    means = v[picks].mean(1)
    q = torch.quantile(means, torch.tensor([0.025, 0.975], dtype=torch.float64))
    return Interval(float(v.mean()), float(q[0]), float(q[1]), v.numel())


def hypergeometric_tail(k: int, population: int, a: int, b: int) -> float:
    """P(at least k shared) when b items are drawn from `population`, a of which are marked."""
    total = math.comb(population, b)
    if total == 0:
        return 1.0
    return sum(math.comb(a, i) * math.comb(population - a, b - i) for i in range(k, min(a, b) + 1)) / total


def as_far(moves: torch.Tensor, move: float) -> float:
    """Share of control moves at least as far as `move`, the same way (0 when `move` is 0 and none moved)."""
    if moves.numel() == 0:
        return float("nan")
    hits = (moves <= move + 1e-9) if move <= 0 else (moves >= move - 1e-9)
    return round(float(hits.float().mean()), 4)
