"""Which hidden units fire on which strokes, and why a B can become a C.

Stroke probes are generated glyphs drawn with only some of their strokes, each stroke
where it sits in the normalised full glyph. Per hidden unit this module measures its
activation on a blank page (the bias), its response to every stroke (the rise above
that baseline, scaled to a stroke of average size), which strokes it fires on, a label,
a chance-corrected dissection score against the exact stroke masks, its votes and what
zeroing it costs. It then finds lookalike strokes from the data and measures the text's
misclassification example with intervals and matched random controls. `analyze_model`
is the one probe-then-analyse routine. Returns dataclasses; prints nothing.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import cast

import torch
from torch import nn
from torch.nn import functional as F

from .config import AnalysisConfig, GeneratorConfig
from .glyphs import render_parts, sample_seed
from .model import LetterMLP
from .preprocess import IMAGE_SIZE
from .strokes import CLASSES, LOOKALIKES, ROLES, letter_roles
from .tensors import image_tensor

EPSILON = 1e-6  # activations at or below this count as silent
WILSON_Z = 1.959964  # 95% two-sided
RANDOM_UNITS = 64  # random first-layer units that measure the dissection score's chance level
CONTROL_SETS = 100  # random unit sets per kind of control for each ablation

# Words the report and README use, defined once so every output says the same thing.
GLOSSARY: dict[str, str] = {
    "unit": "one hidden neuron, named L<layer>.<index>: it sums its weighted inputs, adds its bias and passes "
            "the result through ReLU (negative becomes 0)",
    "stroke": "one named part of a letter template, e.g. C.top_curve; probes draw each stroke alone, where it "
              "sits in the whole letter",
    "activation": "a unit's output (after ReLU) on one image",
    "baseline": "a unit's activation on a blank page; for the first layer it is exactly ReLU(bias): the bias alone",
    "active on a blank page": "baseline at or above the firing floor: the bias alone makes the unit fire",
    "response": "mean activation on a stroke drawn alone minus the baseline, times (mean L2 norm of all strokes' "
                "images / this stroke's): the rise the stroke causes, scaled to a stroke of average size",
    "fires": "a unit fires on a stroke when its response is at least the floor and at least the fire fraction "
             "of its largest response",
    "label": "the stroke a unit answers best when every stroke it fires on belongs to that letter or is one of "
             "the text's lookalikes of it; `mixed` otherwise; `bias-only` if it fires on no stroke but is active "
             "on a blank page; `weak` if it fires on no stroke and is silent on a blank page but active on some "
             "whole letter; `dead` if it is never active at all",
    "selectivity": "(top response - mean of the others) / (top + mean of the others), responses clipped at 0: "
                   "1 for a unit that answers one stroke, 0 for one that answers all alike",
    "IoU": "intersection over union between the pixels where a unit's attribution (weight x input, or "
           "gradient x input deeper) is in its top 5% over the probe glyphs and a stroke's exact pixels",
    "chance IoU": "the best IoU that stroke-blind maps reach for this stroke: the input image itself, or the median "
                  "of random first-layer units",
    "ideal IoU": "the IoU of a planted detector whose weights are the stroke's mean mask",
    "dissection score": "(IoU - chance) / (ideal - chance) for a stroke: 0 at chance, 1 as good as the planted "
                        "detector; n/a for units that fire on no stroke",
    "votes": "a unit's weight into each letter's output (through the product of weights from the first of two "
             "layers): positive pushes towards that letter",
    "ablation cost": "mean drop in the true letter's log-probability on whole probe glyphs when the unit is zeroed",
    "lookalike pair": "strokes of two letters that share more firing units than independence predicts "
                      "(hypergeometric test, Bonferroni over every pair of strokes from different letters)",
    "called X": "the share of images the network classifies as X, with n and a 95% Wilson interval",
    "chance": "one in the number of letters (1/3): what a guess scores",
    "matched controls": "the same number of units drawn at random, from the live units and from the units "
                        "whose strongest vote is for the same letter; where the real set falls among them",
}


@dataclass
class Probes:
    full: torch.Tensor  # (L*P, 28, 28) uint8 full glyphs, letters in CLASSES order
    full_labels: torch.Tensor  # (L*P,) int64
    owners: torch.Tensor  # (L*P, 28, 28) uint8: 0 paper, k = ROLES[k-1]
    parts: dict  # tuple of kept roles -> (P, 28, 28) uint8 images of only those strokes
    blank: torch.Tensor  # (1, 28, 28) uint8 zeros
    _inputs: dict = field(default_factory=dict, repr=False)  # cached float inputs

    def x(self, key: tuple | str) -> torch.Tensor:
        """Network input (N, 784) in [0, 1] for a parts key, "full" or "blank"; converted once."""
        if key not in self._inputs:
            images = self.full if key == "full" else self.blank if key == "blank" else self.parts[key]
            self._inputs[key] = _x(images)
        return self._inputs[key]


def build_probes(config: AnalysisConfig, generator: GeneratorConfig) -> Probes:
    """Seeded probe glyphs: for each letter, every non-empty proper subset of its strokes."""
    full, labels, owners, parts = [], [], [], {}
    for li, letter in enumerate(CLASSES):
        roles = letter_roles(letter)
        subsets = [s for k in range(1, len(roles)) for s in itertools.combinations(roles, k)]
        images: dict = {s: [] for s in subsets}
        for k in range(config.probes):
            glyph, rendered = render_parts(letter, sample_seed(config.seed, li * 1_000_000 + k), generator, subsets)
            full.append(image_tensor(glyph.image))
            coverage = torch.stack([image_tensor(glyph.roles[r]) for r in roles])  # (roles, 28, 28)
            own = coverage.argmax(0).to(torch.uint8) + ROLES.index(roles[0]) + 1
            owners.append(torch.where(full[-1] > 0, own, torch.zeros_like(own)))
            labels.append(li)
            for s, image in zip(subsets, rendered):
                images[s].append(image_tensor(image))
        parts.update({s: torch.stack(v) for s, v in images.items()})
    return Probes(torch.stack(full), torch.tensor(labels), torch.stack(owners), parts,
                  torch.zeros(1, IMAGE_SIZE, IMAGE_SIZE, dtype=torch.uint8))


# ---------------------------------------------------------------- results (the JSON schema)

@dataclass
class Rate:
    """k of n, with a 95% Wilson interval."""

    k: int
    n: int
    rate: float
    low: float
    high: float


@dataclass
class UnitReport:
    """One hidden unit. `response` is the quantity that decides `fires_on` and `label`."""

    layer: int  # 1 = first hidden layer
    index: int
    name: str  # "L<layer>.<index>"
    bias: float
    baseline: float  # activation on a blank page; ReLU(bias) for the first layer
    bias_fires: bool  # baseline >= the firing floor: the bias alone makes it fire
    label: str  # a stroke, "mixed", "bias-only", "weak" or "dead"
    selectivity: float
    response: dict[str, float]  # stroke -> response (see GLOSSARY)
    fires_on: list[str]  # strokes, strongest response first
    stroke_activation: dict[str, float]  # stroke -> raw mean activation on the stroke alone
    letter_activation: dict[str, float]  # letter -> raw mean activation on whole glyphs
    votes: dict[str, float]
    ablation_cost: float
    iou: dict[str, float]  # stroke -> dissection IoU
    dissection: dict[str, float | None]  # stroke -> chance-corrected score; None when it fires on nothing
    dissection_role: str | None  # the stroke with the best score
    dissection_score: float | None
    clean: bool  # labelled with a stroke whose dissection score is at least AnalysisConfig.clean_score


@dataclass
class DissectionBaseline:
    """Per stroke: the IoU of stroke-blind maps (chance) and of a planted detector (ideal)."""

    role: str
    chance: float  # max of the two below
    chance_input: float  # the input image itself as the map
    chance_random: float  # median over RANDOM_UNITS random first-layer units
    ideal: float  # planted detector: weights = the stroke's mean mask


@dataclass
class LookalikePair:
    """Two strokes of different letters and the units that fire on both."""

    roles: list[str]
    units: list[str]  # names, strongest combined response first
    shared: int
    expected: float  # under independence: n_a * n_b / live units
    p_value: float  # hypergeometric, one-sided (more shared than independence)
    found: bool  # p_value below 0.05 / number of cross-letter pairs
    in_text: bool  # one of strokes.LOOKALIKES


@dataclass
class StrokeAlone:
    """What the network says for one stroke drawn alone."""

    role: str
    n: int
    called: dict[str, Rate]  # letter -> share of images called that letter
    mean_probabilities: dict[str, float]
    most_likely_wrong: str  # the letter other than the stroke's own that it is called most
    verdict: str


@dataclass
class Deletion:
    """A letter drawn with some strokes left out."""

    letter: str
    kept: list[str]
    removed: list[str]
    called: dict[str, Rate]


@dataclass
class AblationEffect:
    """One measurement before and after zeroing the shared units, against matched controls."""

    measure: str  # e.g. "B.spine alone called C", "accuracy on whole glyphs"
    before: Rate
    after: Rate
    random_median: float  # median over CONTROL_SETS random sets of live units, same size
    random_as_extreme: float  # share of those sets that move it at least as far, the same way
    same_vote_median: float  # the same for random units whose strongest vote matches, unit for unit
    same_vote_as_extreme: float


@dataclass
class Ablation:
    units: list[str]
    control_sets: int
    effects: list[AblationEffect]


@dataclass
class Misclassification:
    """The text's example, measured."""

    target: str  # the letter the lookalikes are mistaken for (C in the text)
    chance: float
    lone_strokes: list[StrokeAlone]
    text_pairs: list[LookalikePair]
    deletion: list[Deletion]
    ablation: Ablation
    summary: list[str]


@dataclass
class AnalysisReport:
    """Everything `letters analyze` reports; `--json` is its asdict."""

    dims: dict
    roles: list[str]
    classes: list[str]
    probes: dict  # per_role, seed
    fire_fraction: float
    fire_floor: float
    clean_score: float  # a clean detector's dissection score for its label is at least this
    stroke_size: dict[str, float]  # stroke -> mean L2 norm of its images (input scaled to [0, 1])
    units: list[UnitReport]
    units_by_role: dict[str, list[dict]]  # stroke -> [{"unit", "response"}], strongest first
    label_counts: dict[str, int]
    blank_active: int  # units active on a blank page
    clean_units: int
    dissection_baselines: list[DissectionBaseline]
    lookalikes: list[LookalikePair]  # every cross-letter pair, most shared units first
    misclassification: Misclassification | None
    glossary: dict[str, str] = field(default_factory=lambda: dict(GLOSSARY))
    weight_decay_comparison: list | None = None
    weight_decay_summary: str | None = None


# ---------------------------------------------------------------- forward passes

def hidden_layers(model: LetterMLP) -> list[nn.Linear]:
    """The model's hidden layers, typed (a ModuleList only promises Modules)."""
    return [cast(nn.Linear, layer) for layer in model.hidden]


def _x(images: torch.Tensor) -> torch.Tensor:
    return images.flatten(1).float() / 255.0


def masked_logits(model: LetterMLP, x: torch.Tensor, masks: list, first: torch.Tensor | None = None) -> torch.Tensor:
    """Logits with hidden units scaled by masks: masks[i] is None or (K, units of layer i),
    1 keeps a unit and 0 zeroes it. x (N, 784) -> (N, classes), or (K, N, classes) with masks.
    `first`, the first layer's activations on x when already known, saves recomputing them."""
    layers = hidden_layers(model)
    h = first if first is not None else torch.relu(layers[0](x))
    if len(layers) == 2:
        pre = layers[1](h)  # (N, units2)
        if masks[0] is not None:  # remove only the zeroed units' share: a few columns, not K dense products
            zeroed = 1.0 - masks[0]  # (K, units1)
            idx = zeroed.topk(max(1, int(zeroed.sum(1).max())), dim=1).indices  # (K, s), padded with kept units
            share = h[:, idx].permute(1, 0, 2) * zeroed.gather(1, idx)[:, None, :]  # (K, N, s)
            pre = pre[None] - torch.bmm(share, layers[1].weight.T[idx])  # (K, N, units2)
        h = torch.relu(pre)
    mask = masks[-1]
    if mask is None:
        return model.output(h)
    w = mask[:, :, None] * model.output.weight.T[None]  # (K, units, classes): the last mask folded into the output
    if h.dim() == 2:
        k, units, c = w.shape
        out = (h @ w.permute(1, 0, 2).reshape(units, k * c)).reshape(len(h), k, c).permute(1, 0, 2)
    else:
        out = h @ w
    return out + model.output.bias


def forward_ablated(model: LetterMLP, x: torch.Tensor, ablate: dict | None = None) -> torch.Tensor:
    """Logits with the given hidden units forced to zero: {layer index: [unit, ...]}."""
    masks = []
    for i, layer in enumerate(hidden_layers(model)):
        m = None
        if ablate and ablate.get(i):
            m = torch.ones(1, layer.out_features)
            m[0, ablate[i]] = 0.0
        masks.append(m)
    out = masked_logits(model, x, masks)
    return out[0] if out.dim() == 3 else out


def unit_votes(model: LetterMLP) -> list[torch.Tensor]:
    """Per hidden layer, (classes, units): the unit's weight into each class logit, through
    the product of weights for an earlier layer (ReLUs taken as open)."""
    votes: list[torch.Tensor] = []
    through = model.output.weight.detach()
    for layer in reversed(hidden_layers(model)):
        votes.insert(0, through)
        through = through @ layer.weight.detach()
    return votes


def attribution_maps(model: LetterMLP, x: torch.Tensor, layer: int, units: slice = slice(None)) -> torch.Tensor:
    """(N, units, 784): each pixel's share of each unit's pre-activation. Layer 0 is
    weight x input; a deeper layer uses gradient x input, exact for a ReLU net."""
    w1 = hidden_layers(model)[0].weight.detach()
    if layer == 0:
        return x[:, None, :] * w1[units][None, :, :]
    h1 = torch.relu(hidden_layers(model)[0](x))
    w2 = hidden_layers(model)[1].weight.detach()[units]
    jac = (w2[None] * (h1 > 0).float()[:, None, :]) @ w1  # (N, units2, 784)
    return x[:, None, :] * jac


# ---------------------------------------------------------------- dissection

class InkPixels:
    """The probe glyphs' ink pixels, flattened: every attribution map is zero off the ink
    (it is input x something), so the dissection only ever looks at these M entries."""

    def __init__(self, probes: Probes):
        x = probes.x("full")  # (N, 784)
        self.total = x.numel()
        self.sample, self.pixel = x.nonzero(as_tuple=True)  # (M,), (M,)
        self.value = x[self.sample, self.pixel]  # (M,)
        owners = probes.owners.flatten(1)[self.sample, self.pixel].long()
        self.onehot = F.one_hot(owners, len(ROLES) + 1)[:, 1:].float()  # (M, roles); paper owns nothing
        self.mask_size = self.onehot.sum(0)  # every stroke pixel is ink

    def first_layer(self, weights: torch.Tensor) -> torch.Tensor:
        """(units, M) weight x input for first-layer weights (units, 784)."""
        return weights.index_select(1, self.pixel) * self.value[None]

    def gated_first_layer(self, model: LetterMLP, x: torch.Tensor) -> torch.Tensor:
        """(units1, M): each first-layer weight on each ink entry, zero where that unit is off."""
        first = hidden_layers(model)[0]
        gate = (first(x) > 0).float()  # (N, units1)
        return gate.index_select(0, self.sample).T * first.weight.detach().index_select(1, self.pixel)

    def second_layer(self, model: LetterMLP, x: torch.Tensor, units: slice) -> torch.Tensor:
        """(units, M) gradient x input of second-layer units: w2 (gate * w1) x, exact for ReLU."""
        through = self.gated_first_layer(model, x)
        return (hidden_layers(model)[1].weight.detach()[units] @ through) * self.value[None]


def dissect(maps: torch.Tensor, ink: InkPixels, quantile: float) -> torch.Tensor:
    """Network Dissection for an MLP, batched: each unit's attribution map (units, M on the
    ink) is thresholded at the given quantile over the whole probe set (paper included, where
    it is 0) and compared with every stroke's exact masks. Returns IoU, (units, roles)."""
    k = math.ceil(quantile * ink.total) - (ink.total - maps.shape[1])  # rank among the ink entries
    step = max(1, maps.shape[1] // 25_000)  # the rank in a strided sample: the same quantile, far less sorting
    k = math.ceil(k / step)
    if k < 1:
        threshold = torch.zeros(maps.shape[0])
    else:
        sample = maps[:, ::step]
        threshold = sample.kthvalue(min(k, sample.shape[1]), dim=1).values.clamp(min=0.0)  # pushing down is never hot
    hot = (maps > threshold[:, None]).float()
    inter = hot @ ink.onehot  # (units, roles): one matrix product for every unit and stroke
    union = hot.sum(1, keepdim=True) + ink.mask_size[None] - inter
    return inter / union.clamp(min=1.0)


def mean_masks(probes: Probes) -> torch.Tensor:
    """(roles, 784): each stroke's mean mask over its letter's whole probe glyphs."""
    owners = probes.owners.flatten(1)
    rows = []
    for k, role in enumerate(ROLES):
        letter = CLASSES.index(role.split(".")[0])
        rows.append((owners[probes.full_labels == letter] == k + 1).float().mean(0))
    return torch.stack(rows)


def dissection_baselines(probes: Probes, quantile: float, seed: int, ink: InkPixels | None = None) -> list[DissectionBaseline]:
    """Chance and ideal IoU per stroke, measured with the same thresholding as real units:
    the input itself, random first-layer units (Glorot) and planted mean-mask detectors."""
    ink = ink or InkPixels(probes)
    pixels = probes.full[0].numel()
    g = torch.Generator().manual_seed(seed)
    bound = math.sqrt(6.0 / (pixels + RANDOM_UNITS))
    weights = torch.cat([torch.ones(1, pixels),  # the input itself
                         (torch.rand(RANDOM_UNITS, pixels, generator=g) * 2 - 1) * bound,
                         mean_masks(probes)])
    iou = dissect(ink.first_layer(weights), ink, quantile)
    random_median = iou[1:1 + RANDOM_UNITS].median(0).values
    out = []
    for k, role in enumerate(ROLES):
        chance_input, chance_random = float(iou[0, k]), float(random_median[k])
        out.append(DissectionBaseline(role, round(max(chance_input, chance_random), 4), round(chance_input, 4),
                                      round(chance_random, 4), round(float(iou[1 + RANDOM_UNITS + k, k]), 4)))
    return out


def dissection_score(iou: float, base: DissectionBaseline) -> float:
    """(IoU - chance) / (ideal - chance): 0 at chance, 1 as good as a planted detector."""
    return (iou - base.chance) / max(base.ideal - base.chance, 1e-6)


# ---------------------------------------------------------------- units

def _related(role: str) -> set:
    """The role, the other strokes of its letter (they always appear together), and its lookalikes."""
    group = set(letter_roles(role.split(".")[0]))
    for a, b in LOOKALIKES:
        if role in (a, b):
            group |= {a, b}
    return group


def label_unit(response: dict, active: bool, bias_fires: bool, config: AnalysisConfig) -> tuple[str, float, list]:
    """Label, selectivity and the strokes it fires on (strongest first), from its responses."""
    clipped = {r: max(v, 0.0) for r, v in response.items()}
    top_role = max(clipped, key=lambda r: clipped[r])
    top = clipped[top_role]
    others = [v for r, v in clipped.items() if r != top_role]
    mean_others = sum(others) / len(others) if others else 0.0
    selectivity = (top - mean_others) / (top + mean_others) if top + mean_others > EPSILON else 0.0
    threshold = max(config.fire_floor, config.fire_fraction * top)
    firing = sorted((r for r, v in clipped.items() if v >= threshold), key=lambda r: -clipped[r])
    if not firing:
        return ("dead" if not active else "bias-only" if bias_fires else "weak"), selectivity, []
    label = top_role if set(firing) <= _related(top_role) else "mixed"
    return label, selectivity, firing


def _ablation_costs(model: LetterMLP, x: torch.Tensor, true: torch.Tensor, layer: int) -> torch.Tensor:
    """(units,): mean drop in the true class's log-probability when each unit alone is zeroed."""
    pick = torch.arange(len(true))
    first = torch.relu(hidden_layers(model)[0](x))
    base = torch.log_softmax(model(x), 1)[pick, true]
    units = hidden_layers(model)[layer].out_features
    costs = []
    chunk = max(1, 4_000_000 // (len(x) * max(units, 1)))
    for start in range(0, units, chunk):
        stop = min(units, start + chunk)
        mask = torch.ones(stop - start, units)
        mask[torch.arange(stop - start), torch.arange(start, stop)] = 0.0
        masks: list = [None] * len(model.hidden)
        masks[layer] = mask
        logp = torch.log_softmax(masked_logits(model, x, masks, first), -1)[:, pick, true]  # (c, N)
        costs.append((base[None] - logp).mean(1))
    return torch.cat(costs)


@torch.no_grad()
def analyze_units(model: LetterMLP, probes: Probes, config: AnalysisConfig,
                  baselines: list[DissectionBaseline] | None = None, ink: InkPixels | None = None) -> list[UnitReport]:
    """One UnitReport per hidden unit, every layer."""
    model = model.cpu().eval()
    ink = ink or InkPixels(probes)
    baselines = baselines or dissection_baselines(probes, config.quantile, config.seed, ink)
    role_x = [probes.x((r,)) for r in ROLES]
    size = torch.tensor([float(x.norm(dim=1).mean()) or 1.0 for x in role_x])
    scale = size.mean() / size  # per stroke: a stroke of average size counts as itself
    x_full = probes.x("full")
    counts = [len(x) for x in role_x]
    acts = model.hidden_activations(torch.cat([*role_x, x_full, probes.x("blank")]))
    votes = unit_votes(model)
    records = []
    for layer, h in enumerate(acts):
        by_role = torch.stack([part.mean(0) for part in h[:sum(counts)].split(counts)])  # (roles, units)
        full_h = h[sum(counts):-1]
        by_letter = torch.stack([full_h[probes.full_labels == i].mean(0) for i in range(len(CLASSES))])
        baseline = h[-1]
        active = (h.max(0).values > EPSILON)
        response = (by_role - baseline[None]) * scale[:, None]  # (roles, units)
        costs = _ablation_costs(model, x_full, probes.full_labels, layer)
        if layer == 0:
            w1 = hidden_layers(model)[0].weight.detach()
            iou = torch.cat([dissect(ink.first_layer(w1[a:a + 64]), ink, config.quantile)
                             for a in range(0, h.shape[1], 64)])  # 64 units at a time bounds the memory
        else:
            through = ink.gated_first_layer(model, x_full)
            w2 = hidden_layers(model)[1].weight.detach()
            iou = torch.cat([dissect((w2[a:a + 64] @ through) * ink.value[None], ink, config.quantile)
                             for a in range(0, h.shape[1], 64)])
        bias = hidden_layers(model)[layer].bias.detach()
        for u in range(h.shape[1]):
            resp = {r: float(response[k, u]) for k, r in enumerate(ROLES)}
            bias_fires = bool(baseline[u] >= config.fire_floor)
            label, selectivity, firing = label_unit(resp, bool(active[u]), bias_fires, config)
            scores: dict[str, float | None] = {r: None for r in ROLES}
            if firing:
                scores = {r: round(dissection_score(float(iou[u, k]), baselines[k]), 4) for k, r in enumerate(ROLES)}
            best = max(ROLES, key=lambda r: scores[r]) if firing else None  # type: ignore[arg-type, return-value]
            best_score = scores[best] if best else None
            label_score = scores.get(label) if label in scores else None
            records.append(UnitReport(
                layer=layer + 1, index=u, name=f"L{layer + 1}.{u}", bias=round(float(bias[u]), 5),
                baseline=round(float(baseline[u]), 5), bias_fires=bias_fires, label=label,
                selectivity=round(selectivity, 4), response={r: round(v, 5) for r, v in resp.items()},
                fires_on=firing,
                stroke_activation={r: round(float(by_role[k, u]), 5) for k, r in enumerate(ROLES)},
                letter_activation={c: round(float(by_letter[i, u]), 5) for i, c in enumerate(CLASSES)},
                votes={c: round(float(votes[layer][i, u]), 5) for i, c in enumerate(CLASSES)},
                ablation_cost=round(float(costs[u]), 5),
                iou={r: round(float(iou[u, k]), 4) for k, r in enumerate(ROLES)},
                dissection=scores, dissection_role=best, dissection_score=best_score,
                clean=label_score is not None and label_score >= config.clean_score,
            ))
    return records


# ---------------------------------------------------------------- lookalikes

def _hypergeometric_tail(k: int, population: int, a: int, b: int) -> float:
    """P(at least k shared) when b units are drawn from `population`, a of which fire on the other stroke."""
    total = math.comb(population, b)
    if total == 0:
        return 1.0
    return sum(math.comb(a, i) * math.comb(population - a, b - i) for i in range(k, min(a, b) + 1)) / total


def find_lookalikes(units: list[UnitReport]) -> list[LookalikePair]:
    """Every pair of strokes from different letters, with the units that fire on both; a pair
    is `found` when it shares more units than independence allows (Bonferroni over pairs)."""
    live = [u for u in units if u.fires_on]
    pairs = [(a, b) for a, b in itertools.combinations(ROLES, 2) if a.split(".")[0] != b.split(".")[0]]
    text = {frozenset(p) for p in LOOKALIKES}
    out = []
    for a, b in pairs:
        on_a = {u.name for u in live if a in u.fires_on}
        on_b = {u.name for u in live if b in u.fires_on}
        both = [u for u in live if u.name in on_a & on_b]
        both.sort(key=lambda u: -(u.response[a] + u.response[b]))
        expected = len(on_a) * len(on_b) / len(live) if live else 0.0
        p = _hypergeometric_tail(len(both), len(live), len(on_a), len(on_b)) if live else 1.0
        out.append(LookalikePair([a, b], [u.name for u in both], len(both), round(expected, 2), p,
                                 p < 0.05 / len(pairs) and len(both) > 0, frozenset((a, b)) in text))
    out.sort(key=lambda pair: (pair.p_value, -pair.shared))
    return out


# ---------------------------------------------------------------- misclassification

def wilson(k: int, n: int, z: float = WILSON_Z) -> Rate:
    """k of n with its Wilson score interval."""
    if n == 0:
        return Rate(k, n, 0.0, 0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Rate(k, n, round(p, 4), round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def _pct(v: float) -> str:
    return f"{100 * v:.0f}%"


def _rate_text(r: Rate) -> str:
    return f"{_pct(r.rate)} [{_pct(r.low)}-{_pct(r.high)}]"


def _called(pred: torch.Tensor) -> dict[str, Rate]:
    counts = torch.bincount(pred, minlength=len(CLASSES))
    return {c: wilson(int(counts[i]), len(pred)) for i, c in enumerate(CLASSES)}


def _verdict(role: str, called: dict[str, Rate], target: str, chance: float) -> tuple[str, str]:
    """The most likely wrong answer and one sentence that compares the target rate with chance."""
    own = role.split(".")[0]
    wrong = max((c for c in CLASSES if c != own), key=lambda c: called[c].k)
    t = called[target]
    if t.low > chance:
        vs = f"more often than chance ({_pct(chance)})"
    elif t.high < chance:
        vs = f"less often than chance ({_pct(chance)})"
    else:
        vs = f"about as often as chance ({_pct(chance)}; the interval contains it)"
    if own == target:
        text = f"{role} alone (n={t.n}) is called {target} in {_rate_text(t)}, {vs}"
        if called[wrong].k:
            text += f"; the most likely wrong answer is {wrong} ({_rate_text(called[wrong])})"
        return wrong, text + "."
    rest = ", ".join(f"{c} {_rate_text(called[c])}" for c in CLASSES if c != target)
    which = ("so " + target + " is the most likely wrong answer" if wrong == target else
             f"and the most likely wrong answer is {wrong}, not {target}")
    return wrong, f"{role} alone (n={t.n}) is called {target} in {_rate_text(t)}, {vs} ({rest}), {which}."


def _strongest_vote(u: UnitReport) -> str:
    return max(u.votes, key=lambda c: u.votes[c])


def _control_masks(units: list[UnitReport], chosen: list[UnitReport], layer_sizes: list[int], sets: int,
                   same_vote: bool, generator: torch.Generator) -> list:
    """Per layer, (sets, units) masks zeroing random units matched to `chosen`: the same
    number per layer, drawn from live units (or, with same_vote, as many per strongest-vote
    letter as `chosen` has), never from `chosen` itself."""
    taken = {u.name for u in chosen}
    masks = [torch.ones(sets, size) for size in layer_sizes]
    for layer in range(len(layer_sizes)):
        mine = [u for u in chosen if u.layer == layer + 1]
        pool = [u for u in units if u.layer == layer + 1 and u.label != "dead" and u.name not in taken]
        strata = [(mine, pool)]
        if same_vote:
            strata = [([u for u in mine if _strongest_vote(u) == c], [u for u in pool if _strongest_vote(u) == c])
                      for c in CLASSES]
        for want, among in strata:
            if not want or not among:
                continue
            index = torch.tensor([u.index for u in among])
            order = torch.rand(sets, len(among), generator=generator).argsort(1)[:, :len(want)]  # without replacement
            masks[layer][torch.arange(sets)[:, None], index[order]] = 0.0
    return masks


@torch.no_grad()
def _predictions(model: LetterMLP, x: torch.Tensor, masks: list) -> torch.Tensor:
    """(K, N) predicted class under K mask sets (chunked to bound memory)."""
    k = next((m.shape[0] for m in masks if m is not None), 1)
    first = torch.relu(hidden_layers(model)[0](x))
    # K copies of the second layer's activations with two layers; of the logits with one
    widest = hidden_layers(model)[-1].out_features if len(masks) == 2 else model.output.out_features
    chunk = max(1, 8_000_000 // (len(x) * widest))
    out = []
    for start in range(0, k, chunk):
        part = [m[start:start + chunk] if m is not None else None for m in masks]
        logits = masked_logits(model, x, part, first)
        out.append(logits.argmax(-1).reshape(-1, len(x)))
    return torch.cat(out)


@torch.no_grad()
def misclassification(model: LetterMLP, probes: Probes, units: list[UnitReport], config: AnalysisConfig,
                      lookalikes: list[LookalikePair]) -> Misclassification:
    """The text's example, measured: lone strokes, shared units, stroke deletion, ablation with controls.
    Driven by strokes.LOOKALIKES (target stroke, lookalike from another letter) and the templates."""
    model = model.cpu().eval()
    target = LOOKALIKES[0][0].split(".")[0]
    ti = CLASSES.index(target)
    chance = 1.0 / len(CLASSES)
    groups = sorted(probes.parts, key=lambda s: (CLASSES.index(s[0].split(".")[0]), len(s), [ROLES.index(r) for r in s]))
    counts = [len(probes.parts[s]) for s in groups]
    x = torch.cat([probes.x(s) for s in groups] + [probes.x("full")])
    labels = probes.full_labels

    def split(pred: torch.Tensor) -> tuple[list, torch.Tensor]:
        """(K, N) predictions -> per group (K, n) and the whole glyphs' (K, n)."""
        return list(pred[:, :sum(counts)].split(counts, dim=1)), pred[:, sum(counts):]

    parts_before, full_before = split(_predictions(model, x, [None] * len(model.hidden)))
    called = {s: _called(p[0]) for s, p in zip(groups, parts_before)}
    with_probs = {(r,): torch.softmax(model(probes.x((r,))), 1).mean(0) for r in ROLES}

    lone = []
    for role in ROLES:
        wrong, text = _verdict(role, called[(role,)], target, chance)
        lone.append(StrokeAlone(role, counts[groups.index((role,))], called[(role,)],
                                {c: round(float(v), 4) for c, v in zip(CLASSES, with_probs[(role,)])}, wrong, text))
    deletion = []
    for s in groups:
        letter = s[0].split(".")[0]
        deletion.append(Deletion(letter, list(s), [r for r in letter_roles(letter) if r not in s], called[s]))

    text_pairs = [p for p in lookalikes if p.in_text]
    text_pairs.sort(key=lambda p: [frozenset(p.roles) == frozenset(t) for t in LOOKALIKES].index(True))
    names = {n for p in text_pairs for n in p.units}
    chosen = [u for u in units if u.name in names]
    sizes = [layer.out_features for layer in hidden_layers(model)]
    effects = []
    if chosen:
        real = [torch.ones(1, size) for size in sizes]
        for u in chosen:
            real[u.layer - 1][0, u.index] = 0.0
        g = torch.Generator().manual_seed(config.seed)
        random_masks = _control_masks(units, chosen, sizes, CONTROL_SETS, False, g)
        vote_masks = _control_masks(units, chosen, sizes, CONTROL_SETS, True, g)
        all_masks = [torch.cat([a, b, c]) for a, b, c in zip(real, random_masks, vote_masks)]
        # the controls only on what the verdicts use: every stroke alone, the other letters' deletion
        # most often called the target, and whole glyphs
        others = [s for s in groups if len(s) > 1 and not s[0].startswith(target + ".")]
        measured = [(r,) for r in ROLES] + ([max(others, key=lambda s: called[s][target].k)] if others else [])
        x_measured = torch.cat([probes.x(s) for s in measured] + [probes.x("full")])
        after_all = _predictions(model, x_measured, all_masks)
        sizes_measured = [len(probes.parts[s]) for s in measured]
        parts_after = list(after_all[:, :sum(sizes_measured)].split(sizes_measured, dim=1))
        full_after = after_all[:, sum(sizes_measured):]

        def effect(measure: str, before: torch.Tensor, after: torch.Tensor) -> AblationEffect:
            """before (n,) and after (1 + 2 * CONTROL_SETS, n) booleans: the rate moves."""
            b = wilson(int(before.sum()), before.numel())
            rates = after.float().mean(1)
            real_rate, rnd, vote = float(rates[0]), rates[1:1 + CONTROL_SETS], rates[1 + CONTROL_SETS:]
            move = real_rate - b.rate

            def as_extreme(r: torch.Tensor) -> float:
                moved = r - b.rate
                return round(float((moved <= move + 1e-9).float().mean() if move <= 0 else
                                   (moved >= move - 1e-9).float().mean()), 4)

            return AblationEffect(measure, b, wilson(int(after[0].sum()), after.shape[1]),
                                  round(float(rnd.median()), 4), as_extreme(rnd),
                                  round(float(vote.median()), 4), as_extreme(vote))

        for s, after in zip(measured, parts_after):
            before = parts_before[groups.index(s)]
            effects.append(effect(f"{' + '.join(s)} {'alone ' if len(s) == 1 else ''}called {target}",
                                  before[0] == ti, after == ti))
        effects.append(effect("accuracy on whole glyphs", full_before[0] == labels, full_after == labels[None]))
    ablation = Ablation([u.name for u in chosen], CONTROL_SETS if chosen else 0, effects)
    result = Misclassification(target, round(chance, 4), lone, text_pairs, deletion, ablation, [])
    result.summary = _sentences(result, lookalikes)
    return result


def key_effects(result: Misclassification) -> list[AblationEffect]:
    """The ablation effects worth printing: the lone lookalikes, the target's own strokes alone,
    the deletion most often called the target, and accuracy."""
    target = result.target
    by_measure = {e.measure: e for e in result.ablation.effects}
    wanted = [f"{other} alone called {target}" for _, other in LOOKALIKES]
    wanted += [f"{r} alone called {target}" for r in letter_roles(target)]
    others = [e for e in result.ablation.effects if e.measure not in wanted and e.measure.startswith(tuple(
        r for r in ROLES if not r.startswith(target + ".")))]
    if others:
        wanted.append(max(others, key=lambda e: e.before.rate).measure)
    wanted.append("accuracy on whole glyphs")
    return [by_measure[m] for m in dict.fromkeys(wanted) if m in by_measure]


def _sentences(result: Misclassification, lookalikes: list[LookalikePair]) -> list[str]:
    """The measurements in plain sentences, whatever they show."""
    target, out = result.target, []
    lone = {s.role: s for s in result.lone_strokes}
    for _, other in LOOKALIKES:
        out.append(lone[other].verdict)
    others = [s for s in result.lone_strokes if not s.role.startswith(target + ".")]
    worst = max(others, key=lambda s: s.called[target].k)
    if worst.role not in {o for _, o in LOOKALIKES}:
        out.append("The stroke most often called " + target + " is not one the text names: " + worst.verdict)
    for role in letter_roles(target):
        out.append(lone[role].verdict)
    found = [p for p in lookalikes if p.found]
    for pair in result.text_pairs:
        a, b = pair.roles
        rank = next(i for i, p in enumerate(lookalikes) if p is pair) + 1
        out.append(f"{pair.shared} unit(s) fire on both {a} and {b} (independence predicts {pair.expected:.1f}; "
                   f"p = {pair.p_value:.2g}, rank {rank} of {len(lookalikes)} cross-letter pairs): "
                   f"{'a lookalike pair in the data too' if pair.found else 'not a lookalike pair in the data'}.")
    extra = [p for p in found if not p.in_text]
    if extra:
        out.append("Lookalike pairs the data adds: " + "; ".join(
            f"{p.roles[0]} ~ {p.roles[1]} ({p.shared} shared, {p.expected:.1f} expected)" for p in extra[:4]) + ".")
    abl = result.ablation
    if abl.units:
        out.append(f"Zeroing the {len(abl.units)} unit(s) shared by the text's pairs, against {abl.control_sets} "
                   f"random sets of as many live units and {abl.control_sets} of units that vote the same way (as far: the "
                   "share of those sets that move the rate at least as far):")
        for e in key_effects(result):
            out.append(f"  {e.measure}: {_rate_text(e.before)} -> {_rate_text(e.after)} (n={e.after.n}); random "
                       f"units leave {_pct(e.random_median)} ({_pct(e.random_as_extreme)} of sets move it as far), "
                       f"same-vote units {_pct(e.same_vote_median)} ({_pct(e.same_vote_as_extreme)}).")
    return out


# ---------------------------------------------------------------- the routine

def analyze_model(model: LetterMLP, config: AnalysisConfig | None = None, generator: GeneratorConfig | None = None,
                  probes: Probes | None = None, examples: bool = True) -> tuple[AnalysisReport, Probes]:
    """Probe and analyse a model: the one routine behind `letters analyze`, the demo, the docs
    and the experiments. With examples=False the misclassification section (the part with
    controls) is skipped. Returns the report and the probes it used.

    Runs on one CPU thread: the work is a few medium-sized tensor operations, and with two
    threads each one waits for a second core; when another process holds that core it stalls
    (measured on the 2-core machine under load: 1.5 s with one thread, 5 s with two)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _analyze_model(model, config or AnalysisConfig(), generator or GeneratorConfig(), probes, examples)
    finally:
        torch.set_num_threads(threads)


def _analyze_model(model: LetterMLP, config: AnalysisConfig, generator: GeneratorConfig, probes: Probes | None,
                   examples: bool) -> tuple[AnalysisReport, Probes]:
    config.validate()
    probes = probes or build_probes(config, generator)
    model = model.cpu().eval()
    ink = InkPixels(probes)
    baselines = dissection_baselines(probes, config.quantile, config.seed, ink)
    units = analyze_units(model, probes, config, baselines, ink)
    by_role = {r: [{"unit": u.name, "response": u.response[r]}
                   for u in sorted(units, key=lambda u: -u.response[r]) if r in u.fires_on] for r in ROLES}
    counts: dict[str, int] = {}
    for u in units:
        key = u.label if u.label in ("dead", "mixed", "bias-only", "weak") else "stroke"
        counts[key] = counts.get(key, 0) + 1
    lookalikes = find_lookalikes(units)
    x_size = {r: round(float(probes.x((r,)).norm(dim=1).mean()), 3) for r in ROLES}
    report = AnalysisReport(
        dims=model.dims.as_dict(), roles=list(ROLES), classes=list(CLASSES),
        probes={"per_role": config.probes, "seed": config.seed}, fire_fraction=config.fire_fraction,
        fire_floor=config.fire_floor, clean_score=config.clean_score, stroke_size=x_size, units=units, units_by_role=by_role,
        label_counts=counts, blank_active=sum(u.bias_fires for u in units),
        clean_units=sum(u.clean for u in units), dissection_baselines=baselines, lookalikes=lookalikes,
        misclassification=misclassification(model, probes, units, config, lookalikes) if examples else None,
    )
    return report, probes


def analyze(model: LetterMLP, config: AnalysisConfig, generator: GeneratorConfig, probes: Probes | None = None) -> AnalysisReport:
    """The report alone (see analyze_model)."""
    return analyze_model(model, config, generator, probes)[0]


def unit_labels(model: LetterMLP, probes_per_role: int = 60) -> list[str]:
    """Stroke labels of the last hidden layer's units, from a quick probe run."""
    report, _ = analyze_model(model, AnalysisConfig(probes=probes_per_role), examples=False)
    last = len(model.hidden)
    return [u.label for u in report.units if u.layer == last]


def mean_probe_images(probes: Probes) -> dict:
    """Mean image of each lone-stroke probe set, for pictures: role -> (28, 28) float."""
    return {r: probes.parts[(r,)].float().mean(0) for r in ROLES}
