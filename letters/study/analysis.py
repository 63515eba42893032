"""The analysis behind `letters analyze`: probe the network, describe every unit, measure the example.

`analyze_model` is the one probe-then-analyse routine that the command, the demo, the draw page, the
docs and the experiments all call. It returns an `AnalysisReport` of numbers only; `show` words it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..alphabet import CLASSES, ROLES
from ..config import AnalysisConfig, GeneratorConfig
from ..network.model import LetterMLP
from .dissection import DissectionBaseline, InkPixels, baselines
from .example import Example, measure_example
from .lookalikes import LookalikePair, find_lookalikes
from .probes import Probes, build_probes
from .units import CATEGORIES, UnitReport, analyze_units, ink_reference


@dataclass
class AnalysisReport:
    """Everything `letters analyze` reports; `--json` is its asdict."""

    dims: dict
    roles: list[str]
    classes: list[str]
    probes: dict  # per_role, seed
    fire_fraction: float
    fire_floor: float
    units: list[UnitReport]
    ink_reference: float  # every response is scaled to an input of this much ink (L2 norm): the average lone stroke's
    counts: dict[str, int]  # category -> units, every category listed
    blank_active: int  # units that fire on a blank page: the bias alone
    dissection_baselines: list[DissectionBaseline]
    lookalikes: list[LookalikePair]  # every cross-letter pair, most surprising first
    example: Example | None  # the text's example; None when not asked for


def analyze_model(model: LetterMLP, config: AnalysisConfig | None = None, generator: GeneratorConfig | None = None,
                  probes: Probes | None = None, example: bool = True,
                  novelty: tuple[LetterMLP, float] | None = None) -> tuple[AnalysisReport, Probes]:
    """Probe and analyse a model; `novelty` (the checkpoint's detector and threshold) adds the share of
    each letter-like input it flags. Returns the report and the probes it used.

    Runs on one CPU thread: the work is a few medium-sized tensor operations, and with two threads each
    one waits for a second core; when another process holds that core it stalls (measured on the 2-core
    machine under load: 1.5 s with one thread, 5 s with two)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        config = config or AnalysisConfig()
        config.validate()
        probes = probes or build_probes(config, generator or GeneratorConfig())
        model = model.cpu().eval()
        ink = InkPixels(probes)
        base = baselines(probes, config.quantile, config.seed, ink)
        units = analyze_units(model, probes, config, base, ink)
        lookalikes = find_lookalikes(units)
        report = AnalysisReport(
            dims=model.dims.as_dict(), roles=list(ROLES), classes=list(CLASSES),
            probes={"per_role": config.probes, "seed": config.seed}, fire_fraction=config.fire_fraction,
            fire_floor=config.fire_floor, units=units, ink_reference=round(ink_reference(probes), 4),
            counts={c: sum(u.category == c for u in units) for c in CATEGORIES},
            blank_active=sum(u.bias_fires for u in units), dissection_baselines=base, lookalikes=lookalikes,
            example=measure_example(model, probes, units, config, lookalikes, novelty) if example else None)
        return report, probes
    finally:
        torch.set_num_threads(threads)
