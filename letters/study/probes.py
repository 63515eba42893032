"""Probe glyphs: generated letters drawn whole and with only some of their strokes, in one frame.

For each letter, `probes` seeded hands each give the whole glyph, its exact stroke owners, and every
non-empty proper subset of its strokes drawn where they sit in the whole glyph: a stroke alone, and a
letter with one stroke left out (the text's "letter-like" inputs). Every study measures on these.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import torch

from ..alphabet import CLASSES, ROLES, letter_roles
from ..config import AnalysisConfig, GeneratorConfig
from ..drawing.hand import sample_seed
from ..drawing.render import render_parts
from ..inputs.preprocess import IMAGE_SIZE
from ..inputs.tensors import as_input, image_tensor


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
            self._inputs[key] = as_input(images)
        return self._inputs[key]

    def images(self, key: tuple | str) -> torch.Tensor:
        return self.full if key == "full" else self.blank if key == "blank" else self.parts[key]


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


def one_left_out(probes: Probes) -> list[tuple[str, ...]]:
    """The parts keys of each letter drawn with one stroke left out, letters and strokes in order."""
    return [s for s in probes.parts if len(s) == len(letter_roles(s[0].split(".")[0])) - 1]


def mean_masks(probes: Probes) -> torch.Tensor:
    """(roles, 784): each stroke's mean mask over its letter's whole probe glyphs."""
    owners = probes.owners.flatten(1)
    rows = []
    for k, role in enumerate(ROLES):
        letter = CLASSES.index(role.split(".")[0])
        rows.append((owners[probes.full_labels == letter] == k + 1).float().mean(0))
    return torch.stack(rows)


def mean_probe_images(probes: Probes) -> dict:
    """Mean image of each lone-stroke probe set, for pictures: role -> (28, 28) float."""
    return {r: probes.parts[(r,)].float().mean(0) for r in ROLES}
