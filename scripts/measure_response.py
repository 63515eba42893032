"""Why a unit's response to a stroke is scaled by the stroke's L2 norm: measured.

    python scripts/measure_response.py

A unit with random weights has no preference, so each of the nine strokes should be its
best one about equally often (1/9 = 11%). For 4,000 random first-layer units (Glorot, as
the model starts) and for the shipped model's units, this prints how often each stroke is
the best under three definitions of response (rise over the blank-page baseline):
raw, per ink pixel (sum of the input) and per L2 norm of the input (what analysis uses).
"""

import math

import torch

from letters.analysis import build_probes
from letters.checkpoint import load_model
from letters.config import AnalysisConfig, GeneratorConfig
from letters.shipped import DEFAULT_MODEL
from letters.strokes import ROLES


def best_shares(rise: torch.Tensor, scale: torch.Tensor) -> list[float]:
    """rise (roles, units) -> share of units (with any positive response) whose best stroke is each role."""
    response = rise * scale[:, None]
    alive = response.max(0).values > 0
    best = response[:, alive].argmax(0)
    return (torch.bincount(best, minlength=len(ROLES)).float() / max(int(alive.sum()), 1)).tolist()


def main() -> None:
    probes = build_probes(AnalysisConfig(), GeneratorConfig())
    xs = [probes.x((r,)) for r in ROLES]
    ink = torch.tensor([float(x.sum(1).mean()) for x in xs])
    norm = torch.tensor([float(x.norm(dim=1).mean()) for x in xs])
    scales = {"raw": torch.ones(len(ROLES)), "per ink": ink.mean() / ink, "per L2 norm": norm.mean() / norm}
    g = torch.Generator().manual_seed(0)
    bound = math.sqrt(6.0 / (784 + 128))
    w = (torch.rand(4000, 784, generator=g) * 2 - 1) * bound
    b = (torch.rand(4000, generator=g) * 2 - 1) * bound
    random_rise = torch.stack([torch.relu(x @ w.T + b).mean(0) for x in xs]) - torch.relu(b)[None]
    model, _ = load_model(DEFAULT_MODEL)
    with torch.no_grad():
        layer = model.hidden[0]
        model_rise = torch.stack([torch.relu(layer(x)).mean(0) for x in xs]) - torch.relu(layer.bias)[None]
    print(f"{'stroke':<18}{'ink':>6}{'L2':>6}   random units: raw / ink / L2      shipped model: raw / ink / L2")
    shares = {name: (best_shares(random_rise, s), best_shares(model_rise, s)) for name, s in scales.items()}
    for k, r in enumerate(ROLES):
        rnd = " ".join(f"{100 * shares[n][0][k]:5.1f}%" for n in scales)
        mdl = " ".join(f"{100 * shares[n][1][k]:5.1f}%" for n in scales)
        print(f"{r:<18}{ink[k]:6.1f}{norm[k]:6.2f}   {rnd}      {mdl}")
    for name in scales:
        s = shares[name][0]
        print(f"random units, {name:<12}: best-stroke shares from {100 * min(s):.1f}% to {100 * max(s):.1f}% "
              f"(max/min {max(s) / max(min(s), 1e-9):.1f}); correlation with stroke ink "
              f"{float(torch.corrcoef(torch.stack([torch.tensor(s), ink]))[0, 1]):+.2f}")


if __name__ == "__main__":
    main()
