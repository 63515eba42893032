"""Why the network answered as it did: the hidden units that pushed each prediction most.

A unit's push is its rise over a blank page times its outgoing weight to the predicted letter (last
hidden layer, whose units vote directly; `forward.pushes`); for a misread file, times the difference
between its weights to the wrong letter and to the true one. Each unit comes with its category and stroke from a quick analysis.
"""

from __future__ import annotations

import torch

from ..config import AnalysisConfig, ClassifyConfig
from ..inputs.tensors import as_input
from ..network.model import LetterMLP, unit_name
from ..network.predict import Evaluation, Loaded, Prediction, UnitPush, load_input
from .analysis import analyze_model
from .forward import pushes
from .units import UnitReport


def last_layer_units(model: LetterMLP, probes: int) -> list[UnitReport]:
    """The analysis's reports of the last hidden layer's units, from a quick probe run."""
    report, _ = analyze_model(model, AnalysisConfig(probes=probes), example=False)
    return [u for u in report.units if u.layer == len(model.hidden)]


def _blank(model: LetterMLP) -> torch.Tensor:
    """(units,): the last hidden layer on a blank page, the baseline of every push."""
    return model.hidden_activations(torch.zeros(1, model.dims.inputs))[-1][0]


def _pushes(model: LetterMLP, units: list[UnitReport], hidden: torch.Tensor, direction: torch.Tensor,
            blank: torch.Tensor, top: int) -> list[UnitPush]:
    """The `top` units that push most along `direction` (positive pushes only); a unit that pushes by
    going quieter than on a blank page is marked so."""
    push = pushes(model, hidden, direction, blank)
    layer = units[0].layer if units else 1
    order = push.argsort(descending=True).tolist()[:top]
    return [UnitPush(unit_name(layer, u), units[u].category, units[u].stroke, round(float(push[u]), 4), units[u].vote,
                     bool(hidden[u] < blank[u])) for u in order if push[u] > 0]


@torch.no_grad()
def explain(model: LetterMLP, classes: list[str], loaded: list[Loaded], predictions: list[Prediction],
            config: ClassifyConfig | None = None) -> None:
    """Fill each prediction's `explanation` with the units that pushed it most (positive pushes only)."""
    config = config or ClassifyConfig()
    units, blank = last_layer_units(model, config.explain_probes), _blank(model)
    for item, prediction in zip(loaded, predictions):
        if item.image is None or prediction.prediction is None:
            continue
        hidden = model.hidden_activations(as_input(item.image))[-1][0]
        prediction.explanation = _pushes(model, units, hidden, model.output.weight[classes.index(prediction.prediction)],
                                         blank, config.explain_units)


@torch.no_grad()
def explain_errors(model: LetterMLP, classes: list[str], evaluation: Evaluation,
                   config: ClassifyConfig | None = None) -> None:
    """Fill each misread file's `explanation` with the units that favoured the wrong answer over the
    true one most: rise over the blank page x (weight to the wrong letter - weight to the true letter)."""
    config = config or ClassifyConfig()
    if not evaluation.wrong:
        return
    units, blank = last_layer_units(model, config.explain_probes), _blank(model)
    weights = model.output.weight
    for misread in evaluation.wrong:
        image = load_input(misread.path).image
        if image is None:
            continue
        hidden = model.hidden_activations(as_input(image))[-1][0]
        misread.explanation = _pushes(model, units, hidden, weights[classes.index(misread.prediction)]
                                      - weights[classes.index(misread.true)], blank, config.explain_units)
