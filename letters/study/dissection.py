"""Network Dissection for an MLP, gated by the ReLU: do a unit's pixels sit on its stroke's pixels?

A unit's attribution map on one glyph is each pixel's share of its pre-activation (weight x input in
the first layer, gradient x input deeper, exact for a ReLU network), and it is zero on every glyph where
the unit is off: a unit that is silent cannot be looking at anything. The maps are thresholded at one
quantile over the whole probe set and compared with each stroke's exact pixels (IoU). Chance is the IoU
of stroke-blind maps (the input itself, random units gated by their own ReLU); the ideal that of a
planted detector whose weights are the stroke's mean mask. Score = (IoU - chance) / (ideal - chance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from ..alphabet import ROLES
from ..network.model import ACTIVE, LetterMLP
from .probes import Probes, mean_masks

RANDOM_UNITS = 64  # random first-layer units that measure the chance level
CHUNK = 64  # units mapped at once: bounds the memory


@dataclass
class DissectionBaseline:
    """Per stroke: the IoU of stroke-blind maps (chance) and of a planted detector (ideal)."""

    role: str
    chance: float  # the larger of the two below
    chance_input: float  # the input image itself as the map
    chance_random: float  # median over RANDOM_UNITS random first-layer units, each gated by its own ReLU
    ideal: float  # planted detector: weights = the stroke's mean mask


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

    def maps(self, weights: torch.Tensor, gate: torch.Tensor | None = None) -> torch.Tensor:
        """(units, M) weight x input for weights (units, 784) on the ink, zero where `gate` (N, units) is off."""
        out = weights.index_select(1, self.pixel) * self.value[None]
        if gate is not None:
            out = out * gate.index_select(0, self.sample).T
        return out


def dissect(maps: torch.Tensor, ink: InkPixels, quantile: float) -> torch.Tensor:
    """IoU (units, roles): each map (units, M on the ink) thresholded at `quantile` over the whole probe
    set (paper included, where it is 0) against every stroke's exact pixels."""
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


def baselines(probes: Probes, quantile: float, seed: int, ink: InkPixels) -> list[DissectionBaseline]:
    """Chance and ideal IoU per stroke, measured with the same thresholding as real units."""
    x = probes.x("full")
    pixels = x.shape[1]
    g = torch.Generator().manual_seed(seed)
    bound = math.sqrt(6.0 / (pixels + RANDOM_UNITS))
    random_units = (torch.rand(RANDOM_UNITS, pixels, generator=g) * 2 - 1) * bound
    iou_input = dissect(ink.maps(torch.ones(1, pixels)), ink, quantile)[0]
    iou_random = dissect(ink.maps(random_units, (x @ random_units.T > 0).float()), ink, quantile).median(0).values
    iou_ideal = dissect(ink.maps(mean_masks(probes)), ink, quantile).diagonal()
    return [DissectionBaseline(role, round(max(float(iou_input[k]), float(iou_random[k])), 4), round(float(iou_input[k]), 4),
                               round(float(iou_random[k]), 4), round(float(iou_ideal[k]), 4)) for k, role in enumerate(ROLES)]


@torch.no_grad()
def unit_iou(model: LetterMLP, probes: Probes, layer: int, quantile: float, ink: InkPixels) -> torch.Tensor:
    """(units of `layer`, roles): each unit's gated IoU with every stroke, in every layer gated by the ReLU."""
    x = probes.x("full")
    first = model.hidden[0]
    acts = model.hidden_activations(x)
    own_gate = (acts[layer] > ACTIVE).float()  # (N, units): the unit is on
    if layer == 0:
        weights = first.weight.detach()
        return torch.cat([dissect(ink.maps(weights[a:a + CHUNK], own_gate[:, a:a + CHUNK]), ink, quantile)
                          for a in range(0, weights.shape[0], CHUNK)])
    # deeper: d unit / d input = w2 (gate1 * w1), per glyph; on the ink, per entry
    gate1 = (acts[0] > ACTIVE).float()
    through = gate1.index_select(0, ink.sample).T * first.weight.detach().index_select(1, ink.pixel)  # (units1, M)
    w2 = model.hidden[layer].weight.detach()
    out = []
    for a in range(0, w2.shape[0], CHUNK):
        maps = (w2[a:a + CHUNK] @ through) * ink.value[None] * own_gate[:, a:a + CHUNK].index_select(0, ink.sample).T
        out.append(dissect(maps, ink, quantile))
    return torch.cat(out)


def score(iou: float, base: DissectionBaseline) -> float:
    """(IoU - chance) / (ideal - chance): 0 at chance, 1 as good as a planted detector."""
    return (iou - base.chance) / max(base.ideal - base.chance, 1e-6)
