"""Which explanation methods find the strokes: attribution maps scored against the generator's exact truth.

On seeded whole glyphs, each method's map (method_maps) is scored on two truths: where (the share of
its absolute mass on the predicted letter's strokes, and its rank agreement with their mask) and what
matters (per glyph, its per-stroke sums ranked against the logit drop when the generator redraws the
glyph without each stroke). The same maps on copies of the network randomised layer by layer show
which methods ignore the weights; on the letters with a stroke left out that the network calls the
target, which methods point at the stroke that made it so. Numbers only; intervals from study.stats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..alphabet import CLASSES, LOOKALIKES, ROLES, TARGET, letter_of, letter_roles
from ..config import AnalysisConfig, GeneratorConfig, MethodsConfig
from ..network.model import LetterMLP
from .method_maps import Method, baselines, captum_methods, cascade, unit_attribution
from .probes import Probes, build_probes, one_left_out
from .stats import Interval, Rate, bootstrap_mean, wilson

FAILS_AT = 0.5  # rank correlation with the trained network's maps at or above which, once every layer is
# random, a map has barely changed: real methods fall near 0 here, a map that ignores the weights stays at 1


@dataclass
class Similarity:
    """Maps on a network with `layers` randomised (top first, cumulative) against the trained network's:
    per-glyph Spearman of the signed maps and of their absolute values."""

    layers: list[str]
    signed: Interval
    absolute: Interval


@dataclass
class MethodScore:
    """One method (or baseline) scored on both truths, the randomisation check and the misreads."""

    name: str
    baseline: bool
    mass_on_strokes: Interval  # share of |map| on the predicted letter's strokes, 0..1
    ink_rho: Interval  # Spearman of |map| with the strokes' mask (ink vs paper), -1..1
    stroke_rho: Interval  # Spearman, per glyph, of per-stroke sums with the deletion drops, -1..1
    stroke_rho_counts: dict[str, int]  # its distribution: glyphs at each value (few strokes, few values)
    top_stroke: Rate  # glyphs whose largest stroke sum is the stroke whose deletion costs most
    randomised: list[Similarity]  # one per cascade step
    misread_culprit: Rate  # misreads: largest stroke sum on the stroke whose deletion costs the target most
    misread_lookalike: Rate  # misreads holding a lookalike stroke of the text: largest stroke sum on it


@dataclass
class MisreadSet:
    """A letter with one stroke left out, and how often it is called the target."""

    strokes: list[str]
    called_target: Rate
    culprits: dict[str, int]  # stroke -> misreads whose target logit its deletion drops most


@dataclass
class MethodsReport:
    model: str
    target: str
    glyphs: int  # of each letter
    seed: int
    read_right: int  # whole glyphs the model reads right: the truths are measured on these
    total: int
    fails_at: float
    methods: list[MethodScore]
    misreads: list[MisreadSet]
    culprit_is_lookalike: Rate  # misreads holding a text lookalike whose deletion culprit is that stroke
    settings: MethodsConfig


@dataclass
class Examples:
    """One glyph read right of each letter, with every method's map on it: the picture's, not the JSON's."""

    letters: list[str]
    images: torch.Tensor  # (L, 28, 28) uint8
    owners: torch.Tensor  # (L, 28, 28) uint8: 0 paper, k = ROLES[k-1]
    maps: dict = field(default_factory=dict)  # method -> (L, 784)
    costliest: list[str] = field(default_factory=list)  # the stroke whose deletion costs each glyph's answer most


def ranks(values: torch.Tensor) -> torch.Tensor:
    """Ranks (0-based) along each row, ties sharing their mean rank (Spearman's convention): a value's
    first and last places in its sorted row, averaged."""
    ordered = values.sort(1).values
    first = torch.searchsorted(ordered, values, right=False)
    last = torch.searchsorted(ordered, values, right=True) - 1
    return (first + last).double() / 2


def spearman(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Row-wise Spearman correlation of (N, K) tensors; 0 where either row is constant (no ranking)."""
    ra, rb = ranks(a.contiguous()), ranks(b.contiguous())
    ra, rb = ra - ra.mean(1, keepdim=True), rb - rb.mean(1, keepdim=True)
    scale = (ra.pow(2).sum(1) * rb.pow(2).sum(1)).sqrt()
    return torch.where(scale > 0, (ra * rb).sum(1) / scale.clamp(min=1e-300), torch.zeros_like(scale))


def stroke_sums(maps: torch.Tensor, owners: torch.Tensor, roles) -> torch.Tensor:
    """(N, len(roles)): each map's signed sum over the pixels each stroke owns."""
    owner = owners.flatten(1)
    return torch.stack([(maps.double() * (owner == ROLES.index(r) + 1)).sum(1) for r in roles], 1)


def mass_share(maps: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Share of each map's absolute mass inside the mask (0 for a map with no mass at all)."""
    mass = maps.abs().double()
    total = mass.sum(1)
    return torch.where(total > 0, (mass * mask).sum(1) / total.clamp(min=1e-300), torch.zeros_like(total))


def _logit(model: LetterMLP, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(x).gather(1, target[:, None])[:, 0].double()


def _without(probes: Probes, kept: tuple, rows: torch.Tensor) -> torch.Tensor:
    """Inputs of the glyphs `rows` (indices within their letter) drawn with only the strokes `kept`."""
    return probes.x(kept)[rows] if kept else probes.x("blank").expand(len(rows), -1)


def deletion_drops(model: LetterMLP, probes: Probes, x: torch.Tensor, present: tuple, rows: torch.Tensor,
                   target: torch.Tensor) -> torch.Tensor:
    """(n, strokes present): the drop in the target's logit from inputs `x` (glyphs `rows` of their letter,
    drawn with the strokes `present`) when the generator redraws each without each stroke, in the same frame."""
    before = _logit(model, x, target)
    return torch.stack([before - _logit(model, _without(probes, tuple(r for r in present if r != gone), rows), target)
                        for gone in present], 1)


def top_hits(sums: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """(N,) bool: the stroke `truth` has the largest sum, alone (a tie at the top names no stroke)."""
    top = sums.max(1, keepdim=True).values
    return (sums.gather(1, truth[:, None])[:, 0] == top[:, 0]) & ((sums == top).sum(1) == 1)


def _interval(values: torch.Tensor, config: MethodsConfig) -> Interval:
    return bootstrap_mean(values, config.resamples, config.seed)


def _similarity(maps: torch.Tensor, again: torch.Tensor, layers: list[str], config: MethodsConfig) -> Similarity:
    return Similarity(layers, _interval(spearman(maps, again), config), _interval(spearman(maps.abs(), again.abs()), config))


def randomisation_check(model: LetterMLP, x: torch.Tensor, target: torch.Tensor, methods: dict[str, Method],
                        config: MethodsConfig, maps: dict | None = None, progress=None) -> dict[str, list[Similarity]]:
    """Each method's maps on the cascade of randomised networks against its maps on the trained one,
    for the same glyphs and the same target letters (the trained network's answers)."""
    maps = maps if maps is not None else {name: method(model, x, target) for name, method in methods.items()}
    out: dict[str, list[Similarity]] = {name: [] for name in methods}
    for layers, net in cascade(model, config.seed):
        for name, method in methods.items():
            out[name].append(_similarity(maps[name], method(net, x, target), layers, config))
            if progress:
                progress(1)
    return out


def fails_randomisation(steps: list[Similarity]) -> bool:
    """The check's verdict: with every layer random, the signed map still ranks pixels as before."""
    return bool(steps) and steps[-1].signed.mean >= FAILS_AT


def all_methods(config: MethodsConfig, background: torch.Tensor) -> dict[str, Method]:
    """Captum's six methods and the project's unit attribution."""
    return {**captum_methods(config.steps, config.samples, config.window, background, config.seed),
            "top units": unit_attribution(config.units)}


def _lookalike_strokes() -> set[str]:
    """The strokes the text says are mistaken for the target's: B.upper_bowl, A.left_diagonal."""
    return {r for pair in LOOKALIKES for r in pair if letter_of(r) != TARGET}


class _Tally:
    """Hits of one method over the misreads, summed over the letters with a stroke left out."""

    def __init__(self) -> None:
        self.culprit, self.lookalike, self.with_lookalike, self.n = 0, 0, 0, 0

    def add(self, hits: torch.Tensor, look: torch.Tensor | None) -> None:
        self.culprit += int(hits.sum())
        self.n += len(hits)
        if look is not None:
            self.lookalike += int(look.sum())
            self.with_lookalike += len(look)


def misreads(model: LetterMLP, probes: Probes, methods: dict[str, Method],
             progress=None) -> tuple[list[MisreadSet], dict[str, _Tally], Rate]:
    """The letters with a stroke left out that the model calls the target, though they are not one:
    which stroke's deletion drops the target's logit most, and where each method's largest stroke sum is."""
    target_index, per = CLASSES.index(TARGET), len(probes.full) // len(CLASSES)
    look_strokes = _lookalike_strokes()
    sets, tallies = [], {name: _Tally() for name in methods}
    look_hits, look_n = 0, 0
    for key in one_left_out(probes):
        letter = letter_of(key[0])
        if letter == TARGET:
            continue
        x = probes.x(key)
        with torch.no_grad():
            rows = (model(x).argmax(1) == target_index).nonzero().flatten()
        target = torch.full((len(rows),), target_index)
        drops = deletion_drops(model, probes, x[rows], key, rows, target)
        culprit = drops.argmax(1)
        owners = probes.owners[CLASSES.index(letter) * per + rows]
        look = [key.index(r) for r in key if r in look_strokes]
        if look and len(rows):
            look_hits, look_n = look_hits + int((culprit == look[0]).sum()), look_n + len(rows)
        sets.append(MisreadSet(list(key), wilson(len(rows), per),
                               {r: int((culprit == k).sum()) for k, r in enumerate(key)}))
        for name, method in methods.items():
            if len(rows):
                sums = stroke_sums(method(model, x[rows], target), owners, key)
                tallies[name].add(top_hits(sums, culprit), top_hits(sums, torch.full_like(culprit, look[0])) if look else None)
            if progress:
                progress(1)
    return sets, tallies, wilson(look_hits, look_n)


def _counts(values: torch.Tensor) -> dict[str, int]:
    """How many glyphs had each value, lowest first, as text keys for JSON."""
    levels, counts = values.round(decimals=2).unique(return_counts=True)
    return {f"{float(v):.2f}": int(c) for v, c in zip(levels, counts)}


def _typical(probes: Probes, right: torch.Tensor, letter: int, per: int) -> int:
    """The picture's glyph of a letter: of those read right, the one with the median amount of ink."""
    rows = right[letter * per:(letter + 1) * per].nonzero().flatten() + letter * per
    ink = probes.full[rows].flatten(1).float().sum(1)
    return int(rows[ink.argsort()[len(rows) // 2]])


def run_methods(model: LetterMLP, config: MethodsConfig, model_name: str, methods: dict[str, Method] | None = None,
                progress=None) -> tuple[MethodsReport, Examples]:
    """Every method (default: Captum's six and the unit attribution) and the baselines, scored.
    `progress(done, total)` hears of each set of maps. Runs on one CPU thread, as the analysis does:
    on two cores shared with other work a second thread mostly waits."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _run(model, config, model_name, methods, progress)
    finally:
        torch.set_num_threads(threads)


def _run(model: LetterMLP, config: MethodsConfig, model_name: str, methods: dict[str, Method] | None,
         progress) -> tuple[MethodsReport, Examples]:
    probes = build_probes(AnalysisConfig(probes=config.glyphs, seed=config.seed), GeneratorConfig())
    x, per = probes.x("full"), config.glyphs
    with torch.no_grad():
        answer = model(x).argmax(1)
    right = answer == probes.full_labels
    background = x[torch.randperm(len(x), generator=torch.Generator().manual_seed(config.seed))[:config.background]]
    plain = baselines(config.seed)
    every = {**(methods if methods is not None else all_methods(config, background)), **plain}
    parts = [k for k in one_left_out(probes) if letter_of(k[0]) != TARGET]
    total, done = len(every) * (1 + len(model.layers()) + len(parts)), 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    maps = {}
    for name, method in every.items():
        maps[name] = method(model, x, answer)
        tick(1)
    ink = (probes.owners.flatten(1) > 0).double()
    # what matters, per letter: the deletions once, then every method's stroke sums against them
    truths = []
    for li, letter in enumerate(CLASSES):
        rows = right[li * per:(li + 1) * per].nonzero().flatten()
        index = rows + li * per
        drops = deletion_drops(model, probes, x[index], letter_roles(letter), rows, answer[index])
        truths.append((index, letter_roles(letter), drops))
    checked = right.nonzero().flatten()
    similar = randomisation_check(model, x[checked], answer[checked], every, config,
                                  {name: m[checked] for name, m in maps.items()}, tick)
    sets, tallies, culprit_look = misreads(model, probes, every, tick)
    scores = []
    for name, m in maps.items():
        rho, hits = [], []
        for index, roles, drops in truths:
            sums = stroke_sums(m[index], probes.owners[index], roles)
            rho.append(spearman(sums, drops))
            hits.append(top_hits(sums, drops.argmax(1)))
        rhos, hit = torch.cat(rho), torch.cat(hits)
        tally = tallies[name]
        scores.append(MethodScore(
            name, name in plain,
            _interval(mass_share(m[right], ink[right]), config), _interval(spearman(m[right].abs(), ink[right]), config),
            _interval(rhos, config), _counts(rhos), wilson(int(hit.sum()), len(hit)), similar[name],
            wilson(tally.culprit, tally.n), wilson(tally.lookalike, tally.with_lookalike)))
    report = MethodsReport(model_name, TARGET, per, config.seed, int(right.sum()), len(x), FAILS_AT, scores, sets, culprit_look,
                            config)
    shown = [_typical(probes, right, li, per) for li in range(len(CLASSES)) if right[li * per:(li + 1) * per].any()]
    letters = [CLASSES[int(probes.full_labels[i])] for i in shown]
    costliest = [letter_roles(letter)[int(deletion_drops(model, probes, x[i:i + 1], letter_roles(letter),
                                                         torch.tensor([i % per]), answer[i:i + 1]).argmax())]
                 for i, letter in zip(shown, letters)]
    examples = Examples(letters, probes.full[shown], probes.owners[shown], {name: m[shown] for name, m in maps.items()},
                        costliest)
    return report, examples
