"""Each hidden unit from both sides: what it fires on, and what it votes for.

Input side: its response to each stroke drawn alone and to each whole letter. A response is the one
definition used everywhere, the draw page included: the unit's mean activation minus its activation on
a blank page (for a first-layer unit that is exactly ReLU(bias), the bias alone), per unit of ink:
scaled to an input of the average lone stroke's ink, so that no stroke wins by its size alone (a big
bold bowl would otherwise outshout every thin line). Output side: its votes (its weight into each
letter's logit) and what zeroing it costs.
From both sides, one category:

  detector   fires on a stroke of one letter, votes for that letter, and whole glyphs of that letter
             raise it, more than any other letter's
  lookalike  fires on a stroke of one letter but votes for another: the text's mistake in one neuron
  mixed      fires on a stroke and votes for its letter, but whole glyphs of its letter do not raise it
             (by the firing floor), or another letter's raise it more: the rest of the letter quiets it
  letter     fires on no stroke alone, only on whole letters: it needs strokes together (its response to
             every stroke alone is under the fire fraction of its response to a whole letter)
  bias-only  fires on no stroke, but is active on a blank page: its bias alone does it
  weak       active somewhere, but never by the firing floor
  dead       active on no probe at all
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..alphabet import CLASSES, ROLES, letter_of
from ..config import AnalysisConfig
from ..network.model import ACTIVE, LetterMLP, unit_name
from .dissection import DissectionBaseline, InkPixels, score, unit_iou
from .forward import masked_logits, unit_votes
from .probes import Probes

CATEGORIES = ("detector", "lookalike", "mixed", "letter", "bias-only", "weak", "dead")


@dataclass
class UnitReport:
    """One hidden unit, both sides. `response` decides `fires_on`, `stroke` and `category`."""

    layer: int  # 1 = first hidden layer
    index: int
    name: str  # "L<layer>.<index>"
    category: str  # one of CATEGORIES
    stroke: str | None  # the stroke it answers most, when it fires on any
    vote: str  # the letter its strongest vote pushes towards
    active_letter: str  # the whole letter that raises it most
    bias: float
    baseline: float  # activation on a blank page; ReLU(bias) for the first layer
    bias_fires: bool  # baseline >= the firing floor: the bias alone makes it fire
    response: dict[str, float]  # stroke -> mean rise over the baseline, the stroke drawn alone
    letter_response: dict[str, float]  # letter -> mean rise over the baseline, whole glyphs
    fires_on: list[str]  # strokes, strongest response first
    votes: dict[str, float]  # letter -> weight into its logit (through later layers)
    selectivity: float  # (top - mean of the other strokes) / (top + mean of the others), responses clipped at 0
    ablation_cost: float  # mean drop in the true letter's log-probability on whole glyphs when it is zeroed
    dissection: float | None  # gated dissection score for `stroke`; None when it fires on no stroke


def ink(x: torch.Tensor) -> float:
    """How much ink some inputs (N, 784) carry: their mean L2 norm."""
    return float(x.norm(dim=1).mean()) or 1.0


def response(activations: torch.Tensor, baseline: torch.Tensor, x: torch.Tensor, reference: float) -> torch.Tensor:
    """(units,): the rise that inputs x (N, 784) cause, activations (N, units) over the blank page's
    (units,), averaged, and scaled to an input of `reference` ink (the average lone stroke's)."""
    return (activations - baseline).mean(0) * (reference / ink(x))


def ink_reference(probes: Probes) -> float:
    """The average lone stroke's ink: every response is scaled to an input of this much."""
    return sum(ink(probes.x((r,))) for r in ROLES) / len(ROLES)


def firing(responses: dict[str, float], config: AnalysisConfig, whole: float = 0.0) -> list[str]:
    """The strokes a unit fires on: a response at least the floor and at least the fire fraction of its
    largest to any probe, a stroke alone or a whole letter (`whole`); strongest first. A unit that needs
    strokes together answers whole letters far more than any stroke, and so fires on none."""
    top = max(max(responses.values()), whole, 0.0)
    threshold = max(config.fire_floor, config.fire_fraction * top)
    return sorted((r for r, v in responses.items() if v >= threshold), key=lambda r: -responses[r])


def categorize(responses: dict[str, float], letter_responses: dict[str, float], votes: dict[str, float],
               active: bool, bias_fires: bool, config: AnalysisConfig) -> tuple[str, str | None, list[str]]:
    """(category, the stroke it answers most or None, the strokes it fires on): see the module's table."""
    if not active:
        return "dead", None, []
    fires = firing(responses, config, max(letter_responses.values()))
    if not fires:
        if bias_fires:
            return "bias-only", None, []
        return ("letter" if max(letter_responses.values()) >= config.fire_floor else "weak"), None, []
    top = fires[0]
    own = letter_of(top)
    vote = max(votes, key=lambda c: votes[c])
    if vote != own:
        return "lookalike", top, fires
    raised = letter_responses[own] >= config.fire_floor  # whole glyphs of its letter raise it, not only the stroke
    most = max(letter_responses, key=lambda c: letter_responses[c]) == own
    return ("detector" if raised and most else "mixed"), top, fires


def _selectivity(responses: dict[str, float], top_role: str) -> float:
    clipped = {r: max(v, 0.0) for r, v in responses.items()}
    others = [v for r, v in clipped.items() if r != top_role]
    mean_others = sum(others) / len(others) if others else 0.0
    top = clipped[top_role]
    return (top - mean_others) / (top + mean_others) if top + mean_others > ACTIVE else 0.0


def _ablation_costs(model: LetterMLP, x: torch.Tensor, true: torch.Tensor, layer: int) -> torch.Tensor:
    """(units,): mean drop in the true class's log-probability when each unit alone is zeroed."""
    pick = torch.arange(len(true))
    first = torch.relu(model.hidden[0](x))
    base = torch.log_softmax(model(x), 1)[pick, true]
    units = model.hidden[layer].out_features
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
def analyze_units(model: LetterMLP, probes: Probes, config: AnalysisConfig, baselines: list[DissectionBaseline],
                  ink: InkPixels) -> list[UnitReport]:
    """One UnitReport per hidden unit, every layer."""
    model = model.cpu().eval()
    role_x = [probes.x((r,)) for r in ROLES]
    counts = [len(x) for x in role_x]
    x_full = probes.x("full")
    letter_x = [x_full[probes.full_labels == i] for i in range(len(CLASSES))]
    reference = ink_reference(probes)
    acts = model.hidden_activations(torch.cat([*role_x, x_full, probes.x("blank")]))
    votes = unit_votes(model)
    records = []
    for layer, h in enumerate(acts):
        baseline = h[-1]
        parts = h[:sum(counts)].split(counts)
        by_role = torch.stack([response(a, baseline, x, reference) for a, x in zip(parts, role_x)])  # (roles, units)
        full = h[sum(counts):-1]
        by_letter = torch.stack([response(full[probes.full_labels == i], baseline, letter_x[i], reference)
                                 for i in range(len(CLASSES))])
        active = h.max(0).values > ACTIVE
        costs = _ablation_costs(model, x_full, probes.full_labels, layer)
        iou = unit_iou(model, probes, layer, config.quantile, ink)
        bias = model.hidden[layer].bias.detach()
        for u in range(h.shape[1]):
            responses = {r: round(float(by_role[k, u]), 5) for k, r in enumerate(ROLES)}
            letters = {c: round(float(by_letter[i, u]), 5) for i, c in enumerate(CLASSES)}
            unit_votes_ = {c: round(float(votes[layer][i, u]), 5) for i, c in enumerate(CLASSES)}
            bias_fires = bool(baseline[u] >= config.fire_floor)
            category, stroke, fires = categorize(responses, letters, unit_votes_, bool(active[u]), bias_fires, config)
            k = ROLES.index(stroke) if stroke else None
            records.append(UnitReport(
                layer=layer + 1, index=u, name=unit_name(layer + 1, u), category=category, stroke=stroke,
                vote=max(unit_votes_, key=lambda c: unit_votes_[c]), active_letter=max(letters, key=lambda c: letters[c]),
                bias=round(float(bias[u]), 5), baseline=round(float(baseline[u]), 5), bias_fires=bias_fires,
                response=responses, letter_response=letters, fires_on=fires, votes=unit_votes_,
                selectivity=round(_selectivity(responses, stroke or ROLES[0]), 4) if stroke else 0.0,
                ablation_cost=round(float(costs[u]), 5),
                dissection=None if k is None else round(score(float(iou[u, k]), baselines[k]), 4)))
    return records
