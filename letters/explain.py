"""Why the network answered as it did: the hidden units that pushed each prediction most.

A unit's push is its activation times its outgoing weight to the predicted class (last
hidden layer, whose units vote directly); each unit is named by its stroke label from a
quick probe run of the analysis.
"""

from __future__ import annotations

import torch

from .analysis import unit_labels
from .config import ClassifyConfig
from .model import LetterMLP
from .predict import Evaluation, Loaded, Prediction, UnitPush, load_input


@torch.no_grad()
def unit_contributions(model: LetterMLP, image: torch.Tensor, class_index: int) -> list[tuple[int, float]]:
    """Last hidden layer: (unit, activation x outgoing weight to the class), largest push first."""
    device = next(model.parameters()).device
    hidden = model.hidden_activations(image.to(device).flatten().float()[None] / 255.0)[-1][0]
    push = hidden * model.output.weight[class_index]
    order = push.argsort(descending=True).tolist()
    return [(i, float(push[i])) for i in order]


def explain(model: LetterMLP, classes: list[str], loaded: list[Loaded], predictions: list[Prediction],
            config: ClassifyConfig | None = None) -> None:
    """Fill each prediction's `explanation` with the units that pushed it most (positive pushes only)."""
    config = config or ClassifyConfig()
    labels = unit_labels(model, config.explain_probes)
    layer = len(model.hidden)
    for item, prediction in zip(loaded, predictions):
        if item.image is None or prediction.prediction is None:
            continue
        pushes = unit_contributions(model, item.image, classes.index(prediction.prediction))[:config.explain_units]
        prediction.explanation = [UnitPush(layer, u, labels[u], round(p, 4)) for u, p in pushes if p > 0]


@torch.no_grad()
def explain_errors(model: LetterMLP, classes: list[str], evaluation: Evaluation,
                   config: ClassifyConfig | None = None) -> None:
    """Fill each misread file's `explanation` with the units that favoured the wrong answer over
    the true one most: activation x (weight to the wrong letter - weight to the true letter)."""
    config = config or ClassifyConfig()
    if not evaluation.wrong:
        return
    labels = unit_labels(model, config.explain_probes)
    layer = len(model.hidden)
    weights = model.output.weight
    for misread in evaluation.wrong:
        image = load_input(misread.path).image
        if image is None:
            continue
        hidden = model.hidden_activations(image.flatten().float()[None] / 255.0)[-1][0]
        push = hidden * (weights[classes.index(misread.prediction)] - weights[classes.index(misread.true)])
        top = push.argsort(descending=True).tolist()[:config.explain_units]
        misread.explanation = [UnitPush(layer, u, labels[u], round(float(push[u]), 4)) for u in top if push[u] > 0]
