"""The network: 784 inputs, one or two hidden ReLU layers, one output per letter.

`LetterMLP` owns the parameters and the forward pass; `hidden_activations` returns
every hidden layer's output so the analysis needs no hooks. No I/O, no printing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, cast, overload

import torch
from torch import nn
from torch.nn import functional as F

from ..checks import check_hidden


@dataclass(frozen=True)
class ModelDims:
    """The shape of the network; stored in the checkpoint to rebuild it."""

    inputs: int = 784  # 28 x 28 pixels, flattened
    hidden: tuple[int, ...] = (64,)  # units per hidden layer: one or two layers
    outputs: int = 3  # one logit per class

    def as_dict(self) -> dict:
        return {"inputs": self.inputs, "hidden": list(self.hidden), "outputs": self.outputs}

    @classmethod
    def from_dict(cls, d: dict) -> "ModelDims":
        return cls(int(d["inputs"]), tuple(int(h) for h in d["hidden"]), int(d["outputs"]))


ACTIVE = 1e-6  # an activation above this is "active"; a unit active on no input at all is dead


@torch.no_grad()
def active_units(model: "LetterMLP", x: torch.Tensor, batch: int = 8192) -> list[torch.Tensor]:
    """Per hidden layer, (units,) bool: active (above ACTIVE) on at least one row of x (N, 784).
    The one definition of a dead unit, for training figures and the analysis alike."""
    seen: list[torch.Tensor] | None = None
    for start in range(0, len(x), batch):
        acts = model.hidden_activations(x[start:start + batch])
        now = [(a > ACTIVE).any(0) for a in acts]
        seen = now if seen is None else [s | n for s, n in zip(seen, now)]
    return seen if seen is not None else [torch.zeros(h, dtype=torch.bool) for h in model.dims.hidden]


def unit_name(layer: int, index: int) -> str:
    """How every output names a hidden unit: L<layer, 1-based>.<index>, e.g. L1.17."""
    return f"L{layer}.{index}"


def count_dead(model: "LetterMLP", x: torch.Tensor) -> int:
    """Hidden units active on no row of x (N, 784), over every layer."""
    return int(sum(int((~a).sum()) for a in active_units(model, x)))


class LinearLayers(nn.ModuleList):
    """A ModuleList of nn.Linear that says so to the type checker (same state_dict keys)."""

    @overload  # type: ignore[override]
    def __getitem__(self, index: int) -> nn.Linear: ...

    @overload
    def __getitem__(self, index: slice) -> LinearLayers: ...

    def __getitem__(self, index: int | slice) -> nn.Linear | LinearLayers:
        return cast("nn.Linear | LinearLayers", super().__getitem__(index))

    def __iter__(self) -> Iterator[nn.Linear]:
        return cast(Iterator[nn.Linear], super().__iter__())


class LetterMLP(nn.Module):
    def __init__(self, dims: ModelDims, hidden_bias: float | None = None):
        """`hidden_bias`: every hidden unit's starting bias (None: Glorot-uniform, like its weights)."""
        super().__init__()
        check_hidden(dims.hidden)
        self.dims = dims
        sizes = (dims.inputs, *dims.hidden)
        self.hidden = LinearLayers(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.output = nn.Linear(sizes[-1], dims.outputs)
        for layer in self.layers():  # Glorot-uniform, as Keras and scikit-learn: learns faster here than torch's default
            bound = math.sqrt(6.0 / (layer.in_features + layer.out_features))
            nn.init.uniform_(layer.weight, -bound, bound)
            nn.init.uniform_(layer.bias, -bound, bound)
        if hidden_bias is not None:
            for layer in self.hidden:
                nn.init.constant_(layer.bias, hidden_bias)

    def layers(self) -> list[nn.Linear]:
        """Every weight layer, input side first."""
        return [*self.hidden, self.output]

    def hidden_activations(self, x: torch.Tensor, dropout: float = 0.0,
                           generator: torch.Generator | None = None) -> list[torch.Tensor]:
        """Each hidden layer's ReLU output for x of shape (N, 28, 28) or (N, 784): [(N, units), ...].
        `dropout` (training only) zeroes that share of each layer's units at random, drawn from
        `generator`, and scales the rest up to keep the mean (inverted dropout)."""
        out, h = [], x.flatten(1)
        for layer in self.hidden:
            h = F.relu(layer(h))
            if dropout > 0:  # by hand, not F.dropout: that draws from the global RNG, this from the run's seed
                keep = torch.rand(h.shape, generator=generator, device=h.device) >= dropout
                h = h * keep / (1.0 - dropout)
            out.append(h)
        return out

    def forward(self, x: torch.Tensor, dropout: float = 0.0, generator: torch.Generator | None = None) -> torch.Tensor:
        """Logits (N, classes); `dropout` as in `hidden_activations`, for training."""
        return self.output(self.hidden_activations(x, dropout, generator)[-1])
