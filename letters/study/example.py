"""The text's example, measured: does the network call letter-like shapes C, and which units do it?

First the letter-like inputs: every letter drawn with one stroke left out (a B without its lower bowl
keeps a top curve and a left line, as the text's C has), then each stroke alone; for each, the share
called each letter (n, Wilson interval, chance) and the share that the none-of-the-letters detector
flags. Then the ablation: the lookalike units that fire on one of the text's lookalike strokes and vote
for the target letter are zeroed, against control sets matched to them on activation, and on
activation and vote.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..alphabet import CLASSES, LOOKALIKES, ROLES, TARGET, letter_of, letter_roles
from ..config import AnalysisConfig
from ..network.model import LetterMLP
from ..network.novelty import novelty_scores
from .forward import masked_predictions
from .lookalikes import LookalikePair
from .probes import Probes, one_left_out
from .stats import Rate, as_far, wilson
from .units import UnitReport

CONTROL_SETS = 100  # control unit sets per kind for each ablation
ACTIVATION_BINS = 5  # units are matched on activation within quintiles of the live units' mean activation


@dataclass
class Called:
    """Some strokes of a letter drawn together (or one alone): what the network calls them."""

    letter: str
    strokes: list[str]  # the strokes drawn
    left_out: list[str]
    n: int
    called: dict[str, Rate]  # letter -> share called that letter
    flagged: Rate | None  # share the none-of-the-letters detector flags; None without a detector


@dataclass
class AblationEffect:
    """One share before and after zeroing the chosen units, against matched control sets."""

    strokes: list[str]  # the inputs: these strokes drawn together; [] for whole glyphs
    called: str | None  # the letter whose share is measured; None: accuracy on whole glyphs
    before: Rate
    after: Rate
    activation_median: float  # the share after zeroing control sets matched on activation, median
    activation_as_far: float  # share of those sets that move it at least as far, the same way
    vote_median: float  # the same for sets matched on activation and strongest vote
    vote_as_far: float


@dataclass
class Ablation:
    units: list[str]  # the lookalike units zeroed
    control_sets: int
    effects: list[AblationEffect]


@dataclass
class Example:
    """The text's example, measured; `show.words` puts it in sentences."""

    target: str  # the letter the lookalikes are mistaken for (C in the text)
    chance: float
    letter_like: list[Called]  # every letter with one stroke left out
    lone: list[Called]  # every stroke alone
    text_pairs: list[LookalikePair]  # the text's pairs, as the data sees them
    ablation: Ablation


def _called(pred: torch.Tensor) -> dict[str, Rate]:
    counts = torch.bincount(pred, minlength=len(CLASSES))
    return {c: wilson(int(counts[i]), len(pred)) for i, c in enumerate(CLASSES)}


def text_inputs(model: LetterMLP, probes: Probes) -> list[tuple[str, ...]]:
    """The letter-like inputs the text's sentence is about: for each of its lookalike strokes, its letter
    with one stroke left out, keeping that stroke, that the network calls the target most often."""
    target = CLASSES.index(TARGET)
    out = []
    for other in dict.fromkeys(other for _, other in LOOKALIKES):
        keeping = [s for s in one_left_out(probes) if other in s]
        if keeping:
            out.append(max(keeping, key=lambda s: int((model(probes.x(s)).argmax(1) == target).sum())))
    return list(dict.fromkeys(out))


def _strata(units: list[UnitReport], activity: list[torch.Tensor], by_vote: bool) -> dict:
    """(layer, activation bin[, vote]) -> live units: the pools matched controls are drawn from."""
    live = [u for u in units if u.category != "dead"]
    if not live:
        return {}
    levels = torch.tensor([float(activity[u.layer - 1][u.index]) for u in live])
    edges = torch.quantile(levels, torch.linspace(0, 1, ACTIVATION_BINS + 1)[1:-1])
    pools: dict = {}
    for u, level in zip(live, levels):
        key = (u.layer, int(torch.bucketize(level, edges)), u.vote if by_vote else "")
        pools.setdefault(key, []).append(u)
    return pools


def _control_masks(units: list[UnitReport], chosen: list[UnitReport], sizes: list[int], activity: list[torch.Tensor],
                   by_vote: bool, generator: torch.Generator) -> list[torch.Tensor]:
    """Per layer, (CONTROL_SETS, units) masks zeroing, for each chosen unit, a random other live unit of
    its activation bin (and vote); a bin with too few others borrows from the whole layer."""
    pools = _strata(units, activity, by_vote)
    key_of = {u.name: k for k, members in pools.items() for u in members}
    taken = {u.name for u in chosen}
    masks = [torch.ones(CONTROL_SETS, size) for size in sizes]
    wanted: dict = {}
    for u in chosen:
        wanted.setdefault(key_of[u.name], []).append(u)
    for key, want in wanted.items():
        among = [v for v in pools[key] if v.name not in taken]
        if len(among) < len(want):
            among = [v for v in units if v.layer == key[0] and v.category != "dead" and v.name not in taken]
        index = torch.tensor([v.index for v in among])
        order = torch.rand(CONTROL_SETS, len(among), generator=generator).argsort(1)[:, :len(want)]
        masks[key[0] - 1][torch.arange(CONTROL_SETS)[:, None], index[order]] = 0.0
    return masks


def ablate(model: LetterMLP, probes: Probes, units: list[UnitReport], config: AnalysisConfig) -> Ablation:
    """Zero the lookalike units that fire on one of the text's lookalike strokes and vote for the target."""
    strokes = {other for _, other in LOOKALIKES}
    chosen = [u for u in units if u.category == "lookalike" and u.vote == TARGET and strokes & set(u.fires_on)]
    with torch.no_grad():
        measured = [*text_inputs(model, probes), *[(r,) for r in ROLES if r in strokes]]
    if not chosen:
        return Ablation([], 0, [])
    sizes = [layer.out_features for layer in model.hidden]
    x = torch.cat([probes.x(s) for s in measured] + [probes.x("full")])
    with torch.no_grad():
        activity = [a.mean(0) for a in model.hidden_activations(x)]
    real = [torch.ones(1, size) for size in sizes]
    for u in chosen:
        real[u.layer - 1][0, u.index] = 0.0
    g = torch.Generator().manual_seed(config.seed)
    matched = _control_masks(units, chosen, sizes, activity, False, g)
    voted = _control_masks(units, chosen, sizes, activity, True, g)
    masks = [torch.cat([torch.ones(1, size), r, a, v]) for size, r, a, v in zip(sizes, real, matched, voted)]
    pred = masked_predictions(model, x, masks)  # (2 + 2 sets, N)
    counts = [len(probes.parts[s]) for s in measured] + [len(probes.full)]
    target = CLASSES.index(TARGET)
    effects = []
    for s, part in zip([*measured, None], pred.split(counts, dim=1)):
        hit = part == target if s is not None else part == probes.full_labels[None]
        rates = hit.float().mean(1)
        move = float(rates[1] - rates[0])
        moves = rates[2:] - rates[0]
        effects.append(AblationEffect(
            list(s) if s is not None else [], TARGET if s is not None else None,
            wilson(int(hit[0].sum()), hit.shape[1]), wilson(int(hit[1].sum()), hit.shape[1]),
            round(float(rates[2:2 + CONTROL_SETS].median()), 4), as_far(moves[:CONTROL_SETS], move),
            round(float(rates[2 + CONTROL_SETS:].median()), 4), as_far(moves[CONTROL_SETS:], move)))
    return Ablation([u.name for u in chosen], CONTROL_SETS, effects)


@torch.no_grad()
def measure_example(model: LetterMLP, probes: Probes, units: list[UnitReport], config: AnalysisConfig,
                    lookalikes: list[LookalikePair], novelty: tuple[LetterMLP, float] | None = None) -> Example:
    """Letter-like inputs first, lone strokes second, the text's pairs, and the ablation."""
    model = model.cpu().eval()

    def called(strokes: tuple[str, ...]) -> Called:
        letter = letter_of(strokes[0])
        pred = model(probes.x(strokes)).argmax(1)
        flagged = None
        if novelty is not None:
            scores = novelty_scores(novelty[0], probes.images(strokes))
            flagged = wilson(int((scores >= novelty[1]).sum()), len(scores))
        return Called(letter, list(strokes), [r for r in letter_roles(letter) if r not in strokes], len(pred),
                      _called(pred), flagged)

    letter_like = [called(s) for s in one_left_out(probes)]
    lone = [called((r,)) for r in ROLES]
    text_pairs = sorted((p for p in lookalikes if p.in_text),
                        key=lambda p: [frozenset(p.roles) == frozenset(t) for t in LOOKALIKES].index(True))
    return Example(TARGET, round(1.0 / len(CLASSES), 4), letter_like, lone, text_pairs, ablate(model, probes, units, config))
