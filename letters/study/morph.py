"""The confusion microscope: a stroke walked continuously into its lookalike, and what the network says.

`run_morph` walks one letterform's strokes into another's (the pairs are data: `alphabet.MORPHS`),
drawn by the generator in the glyph's own frame with many seeded hands a step, and measures the
probability of each letter along the way, the share called the target (Wilson), where the mean
probability of the target first rises through 0.5 (with a bootstrap interval over hands), the units
that change most, and how much of the change in the target-minus-start logit patching the shared
units restores, against matched random units. Results are numbers; `show.words` says what they mean.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass, field, replace

import torch

from ..alphabet import CLASSES, MORPHS, TARGET, TEMPLATES, Letterform, Morph, Piece
from ..config import AnalysisConfig, GeneratorConfig, MorphConfig
from ..drawing.hand import sample_seed
from ..drawing.render import render_parts
from ..errors import OptionError
from ..inputs.tensors import as_input, image_tensor
from ..network.model import LetterMLP, unit_name
from .analysis import analyze_model
from .forward import unit_votes
from .stats import Interval, mean_interval, percentile_interval, wilson
from .units import UnitReport


def _piece(form: Letterform, role: str) -> Piece:
    pieces = [p for p in form.pieces if p.role == role and p.feature is None]
    if len(pieces) != 1:
        raise ValueError(f"morph: {form.name} has {len(pieces)} pieces of {role}; a morphing role needs exactly one")
    return pieces[0]


def _form(letter: str, name: str) -> Letterform:
    for form in TEMPLATES[letter]:
        if form.name == name:
            return form
    raise ValueError(f"morph: letter {letter} has no letterform {name!r}")


def morph_form(morph: Morph, t: float) -> Letterform:
    """The start letterform with each morphing piece's Bezier control points moved a fraction
    `t` of the way to its lookalike's (0: the start letter, 1: the lookalike stroke in its place).
    Ornaments are left out: they have no counterpart at the other end."""
    start, end = _form(*morph.start), _form(*morph.end)
    moving = {}
    for a, b, backwards in morph.pairs:
        pa, pb = _piece(start, a), _piece(end, b)
        target = pb.controls[::-1] if backwards else pb.controls
        controls = tuple(((1 - t) * x0 + t * x1, (1 - t) * y0 + t * y1)
                         for (x0, y0), (x1, y1) in zip(pa.controls, target))
        kind = pa.kind if pa.kind == pb.kind else "curve"
        moving[a] = Piece(a, kind, controls)  # type: ignore[arg-type]  # as many points as the pieces blended
    pieces = tuple(moving.get(p.role, p) for p in start.pieces if p.feature is None)
    return Letterform(f"{morph.name}@{t:.3f}", pieces)


def render_morph(morph: Morph, t: float, seed: int, generator: GeneratorConfig):
    """One hand's glyph at point `t` of the morph, as the network sees it (28x28 'L'): the whole
    glyph, or only the morphing strokes where they sit in the whole glyph's frame."""
    letter = morph.start[0]
    form = morph_form(morph, t)
    if morph.whole:
        return render_parts(letter, seed, generator, (), form)[0].image
    return render_parts(letter, seed, generator, [tuple(a for a, _, _ in morph.pairs)], form)[1][0]


def morph_images(morph: Morph, config: MorphConfig, generator: GeneratorConfig | None = None) -> torch.Tensor:
    """(steps, samples, 28, 28) uint8: the same seeded hands at every step."""

    generator = generator or GeneratorConfig()
    # no ligature either (an ornament with no counterpart at the other end: it would stay a B's at t = 1);
    # the feature's draw is still made, so every step keeps the same hand
    generator = replace(generator, features={**generator.features, "exit": 0.0})
    ts = [i / (config.steps - 1) for i in range(config.steps)]
    return torch.stack([torch.stack([image_tensor(render_morph(morph, t, sample_seed(config.seed, k), generator))
                                     for k in range(config.samples)]) for t in ts])


@dataclass
class UnitTrace:
    """A hidden unit followed along the morph."""

    unit: str  # "L1.17"
    category: str  # its category from the analysis (units.CATEGORIES)
    stroke: str | None  # the stroke it answers most
    vote: float  # its weight into the target minus into the start letter (the logit difference it moves)
    change: float  # largest minus smallest mean activation over the steps
    response: list = field(default_factory=list)  # mean activation at each step


@dataclass
class Crossing:
    """Where the mean probability of the target over the hands rises through 0.5 (from below it at
    one step to at least 0.5 at the next), with a bootstrap interval over hands; a curve that starts
    at or above 0.5 has no such crossing."""

    t: float | None  # None: it never rises through 0.5
    low: float | None
    high: float | None
    crossed_fraction: float  # share of bootstrap resamples whose mean rises through 0.5


@dataclass
class Patching:
    """Patch the shared units' activations from the end glyph into the start glyph; how much of
    the change in the C-minus-start logit difference does that restore?"""

    units: list  # the shared units: fire on both the start stroke and its lookalike
    logit: str  # "C-B" or "C-A": the target's logit minus the start letter's
    full_change: float  # mean logit difference at the end minus at the start
    restored: float | None  # patched minus start, as a fraction of full_change
    random_units: Interval | None  # the same number of random units from the same layers (percentiles)
    random_rank: float | None  # share of random sets that restore at least as much (an empirical p)
    same_vote: Interval | None  # random units whose vote has the same sign as each shared unit's
    same_vote_rank: float | None


@dataclass
class MorphResult:
    name: str
    start: list  # [letter, letterform]
    end: list
    pairs: list  # [[start role, end role, reversed], ...]
    whole: bool
    t: list  # the steps, 0..1
    samples: int
    target: str  # the letter the morph walks towards (alphabet.TARGET)
    probabilities: dict  # class -> [Interval per step] over the hands, inside [0, 1]
    called: list  # [Rate per step]: hands called the target, with Wilson intervals
    top_units: list  # [UnitTrace]
    crossing: Crossing
    patching: Patching


@dataclass
class MorphReport:
    model: str
    config: dict
    morphs: list  # [MorphResult]
    seconds: float
    examples: dict = field(default_factory=dict)  # name -> (steps, 28, 28) uint8 of the first hand, for pictures


def _forward_patched(model: LetterMLP, start: list[torch.Tensor], patches: dict) -> torch.Tensor:
    """Logits with hidden units overwritten, from `start`, the hidden activations of the
    unpatched inputs ([(N, units)] per layer): {layer: (unit index tensor, values (N, k))}."""
    first = min(patches)
    h = start[first]
    for i in range(first, len(model.hidden)):
        if i > first:
            h = torch.relu(model.hidden[i](h))
        if i in patches:
            idx, values = patches[i]
            h = h.clone()
            h[:, idx] = values
    return model.output(h)


def _crossing(pc: torch.Tensor, ts: list, bootstrap: int, seed: int) -> Crossing:
    """pc: (steps, samples) P(C) per hand."""

    def first(curve: torch.Tensor):
        rising = ((curve[:-1] < 0.5) & (curve[1:] >= 0.5)).nonzero()
        if len(rising) == 0:
            return None
        i = int(rising[0]) + 1
        a, b = float(curve[i - 1]), float(curve[i])
        return ts[i - 1] + (ts[i] - ts[i - 1]) * (0.5 - a) / (b - a)

    point = first(pc.mean(1))
    g = torch.Generator().manual_seed(seed)
    n = pc.shape[1]
    picks = torch.randint(0, n, (bootstrap, n), generator=g)
    found = [first(pc[:, row].mean(1)) for row in picks]
    hits = torch.tensor([v for v in found if v is not None], dtype=torch.float64)
    if len(hits) == 0:
        return Crossing(point, None, None, 0.0)
    q = torch.quantile(hits, torch.tensor([0.025, 0.975], dtype=torch.float64))
    return Crossing(point, float(q[0]), float(q[1]), len(hits) / bootstrap)


def _shared_units(morph: Morph, units: list[UnitReport]) -> list[UnitReport]:
    """Units that fire on both the start stroke and its lookalike, for any pair of the morph."""
    return [u for u in units if any(a in u.fires_on and b in u.fires_on for a, b, _ in morph.pairs)]


@torch.no_grad()
def morph_experiment(model: LetterMLP, morph: Morph, config: MorphConfig, units: list[UnitReport],
                     images: torch.Tensor | None = None) -> MorphResult:
    """Every measurement of one morph; `units` are the analysis's unit records (label, fires_on)."""
    model = model.cpu().eval()
    images = morph_images(morph, config) if images is None else images
    steps, n = images.shape[:2]
    ts = [i / (steps - 1) for i in range(steps)]
    x = as_input(images.flatten(0, 1)).view(steps, n, -1)  # (steps, samples, 784)
    probs = torch.softmax(model(x.flatten(0, 1)), 1).view(steps, n, -1)
    c, s = CLASSES.index(TARGET), CLASSES.index(morph.start[0])
    probabilities = {k: [mean_interval(probs[i, :, j].tolist(), 0.0, 1.0) for i in range(steps)]
                     for j, k in enumerate(CLASSES)}
    called = [wilson(int((probs[i].argmax(1) == c).sum()), n) for i in range(steps)]

    acts = [h.view(steps, n, -1) for h in model.hidden_activations(x.flatten(0, 1))]
    votes = [(v[c] - v[s]) for v in unit_votes(model)]  # per layer: (units,) push on the target minus the start
    by_name = {u.name: u for u in units}
    traces = []
    for layer, a in enumerate(acts):
        means = a.mean(1)  # (steps, units)
        change = means.max(0).values - means.min(0).values
        for u in range(means.shape[1]):
            report = by_name.get(unit_name(layer + 1, u))
            traces.append(UnitTrace(unit_name(layer + 1, u), report.category if report else "?",
                                    report.stroke if report else None, round(float(votes[layer][u]), 5),
                                    round(float(change[u]), 5), [round(float(v), 5) for v in means[:, u]]))
    top = sorted(traces, key=lambda tr: -tr.change)[: config.top_units]

    crossing = _crossing(probs[:, :, c], ts, config.bootstrap, config.seed)
    patching = _patching(model, morph, acts, x, units, votes, c, s, config)
    return MorphResult(morph.name, list(morph.start), list(morph.end), [list(p) for p in morph.pairs], morph.whole,
                       [round(t, 4) for t in ts], n, TARGET, probabilities, called, top, crossing, patching)


def _patching(model, morph, acts, x, units, votes, c, s, config) -> Patching:
    shared = _shared_units(morph, units)
    logit = f"{TARGET}-{morph.start[0]}"
    x0, x1 = x[0], x[-1]

    def diff(logits):
        return logits[:, c] - logits[:, s]

    d0, d1 = diff(model(x0)).mean(), diff(model(x1)).mean()
    full = float(d1 - d0)

    start = [a[0] for a in acts]  # hidden activations of the start glyphs, per layer

    def restored(chosen: dict) -> float:
        patches = {layer: (torch.tensor(idx), acts[layer][-1][:, idx]) for layer, idx in chosen.items() if idx}
        return float(diff(_forward_patched(model, start, patches)).mean() - d0) / full if abs(full) > 1e-9 else float("nan")

    if not shared:
        return Patching([], logit, round(full, 5), None, None, None, None, None)
    chosen: dict = {}
    for u in shared:
        chosen.setdefault(u.layer - 1, []).append(u.index)
    value = restored(chosen)
    rng = random.Random(config.seed)
    width = {layer: a.shape[2] for layer, a in enumerate(acts)}
    others = {layer: [i for i in range(width[layer]) if i not in chosen.get(layer, [])] for layer in width}
    positive = {layer: (votes[layer] >= 0).tolist() for layer in width}
    random_sets, vote_sets = [], []
    for _ in range(config.controls):
        if all(len(others[layer]) >= len(idx) for layer, idx in chosen.items()):
            random_sets.append(restored({layer: rng.sample(others[layer], len(idx)) for layer, idx in chosen.items()}))
        pick: dict = {}
        for layer, idx in chosen.items():
            for i in idx:
                pool = [j for j in others[layer] if positive[layer][j] == positive[layer][i] and j not in pick.get(layer, [])]
                if not pool:
                    break
                pick.setdefault(layer, []).append(rng.choice(pool))
        if sum(len(v) for v in pick.values()) == len(shared):
            vote_sets.append(restored(pick))

    def summary(values):
        if not values:
            return None, None
        t = torch.tensor(values)
        return percentile_interval(t), round(float((t >= value).float().mean()), 4)

    random_interval, random_rank = summary(random_sets)
    vote_interval, vote_rank = summary(vote_sets)
    return Patching([u.name for u in shared], logit, round(full, 5), round(value, 5), random_interval, random_rank,
                    vote_interval, vote_rank)


def run_morph(model: LetterMLP, config: MorphConfig, names=None, model_name: str = "", units: list | None = None,
              progress=None) -> MorphReport:
    """Every morph of alphabet.MORPHS (or those named): the confusion microscope."""
    config.validate()
    started = time.perf_counter()
    chosen = [m for m in MORPHS if not names or m.name in names]
    unknown = set(names or ()) - {m.name for m in MORPHS}
    if unknown:
        raise OptionError("morph", f"{sorted(unknown)[0]!r}: use one of {', '.join(m.name for m in MORPHS)}")
    results, examples = [], {}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # many small operations: a second thread only waits (see study.analysis)
    try:
        if units is None:
            units = analyze_model(model, AnalysisConfig(probes=config.probes), example=False)[0].units
        for morph in chosen:
            images = morph_images(morph, config)
            results.append(morph_experiment(model, morph, config, units, images))
            examples[morph.name] = images[:, 0].clone()
            if progress:
                progress(1)
    finally:
        torch.set_num_threads(threads)
    return MorphReport(model_name, asdict(config), results, round(time.perf_counter() - started, 3), examples)


def morph_json(report: MorphReport) -> dict:
    """Every number, as asdict (the pictures' example images are not numbers to keep)."""
    d = asdict(report)
    d.pop("examples")
    return d
