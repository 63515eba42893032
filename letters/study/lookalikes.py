"""Lookalike strokes found in the data: two letters' strokes that more units fire on than chance allows.

For every pair of strokes from different letters, the units that fire on both against what
independence predicts (a hypergeometric tail, Bonferroni over every pair). The text names two pairs;
the data may agree, disagree or add more.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ..alphabet import LOOKALIKES, ROLES, letter_of
from .stats import hypergeometric_tail
from .units import UnitReport

ALPHA = 0.05  # before the Bonferroni correction over every cross-letter pair


@dataclass
class LookalikePair:
    """Two strokes of different letters and the units that fire on both."""

    roles: list[str]
    units: list[str]  # names, strongest combined response first
    shared: int
    expected: float  # under independence: n_a * n_b / units that fire on any stroke
    p_value: float  # hypergeometric, one-sided (more shared than independence)
    found: bool  # p_value below ALPHA / number of cross-letter pairs
    in_text: bool  # one of alphabet.LOOKALIKES


def find_lookalikes(units: list[UnitReport]) -> list[LookalikePair]:
    """Every pair of strokes from different letters, most surprising first."""
    live = [u for u in units if u.fires_on]
    pairs = [(a, b) for a, b in itertools.combinations(ROLES, 2) if letter_of(a) != letter_of(b)]
    text = {frozenset(p) for p in LOOKALIKES}
    out = []
    for a, b in pairs:
        on_a = {u.name for u in live if a in u.fires_on}
        on_b = {u.name for u in live if b in u.fires_on}
        both = sorted((u for u in live if u.name in on_a & on_b), key=lambda u: -(u.response[a] + u.response[b]))
        expected = len(on_a) * len(on_b) / len(live) if live else 0.0
        p = hypergeometric_tail(len(both), len(live), len(on_a), len(on_b)) if live else 1.0
        out.append(LookalikePair([a, b], [u.name for u in both], len(both), round(expected, 2), p,
                                 p < ALPHA / len(pairs) and len(both) > 0, frozenset((a, b)) in text))
    out.sort(key=lambda pair: (pair.p_value, -pair.shared))
    return out
