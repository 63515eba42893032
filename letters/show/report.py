"""The analysis as one self-contained report.html (a Jinja2 template), with its pictures beside it.

The page opens with the answer on its first screen (the verdict on the text's example), then the
letter-like inputs, the units from both sides with their weights, the ablation against matched
controls, the text's terms as this network has them, and the per-unit tables behind <details>.
Pictures are saved beside it and embedded (base64), so the page opens in any browser without a server.
"""

from __future__ import annotations

import base64
import io
import json
from importlib import resources
from pathlib import Path
from types import SimpleNamespace

from jinja2 import Environment, select_autoescape
from PIL import Image

from ..drawing.sheet import render_sheet
from ..files import atomic_file, check_output_folder
from ..network.model import LetterMLP
from ..study.analysis import AnalysisReport
from ..study.decay import Cell, DecayReport
from ..study.probes import Probes
from .figures import analysis_pictures, by_category
from .pictures import save_image, training_curves
from .results import ablation_table, called_table, dissection_table, lookalike_table, strokes_table, units_table
from .tables import html_table
from .words import TEXT_EXAMPLE, TEXT_SOURCE, TEXT_TERMS, TOOL_TERMS, counts_line, decay_verdicts, example_verdict, pct, weight_decay_line

REPORT_FILES = ("weights.png", "roles.png", "example.png", "report.html")  # what write_report writes
EXPERIMENT_PICTURES = (  # written into the same folder by `letters morph --out` and `letters decay --out`
    ("morph.png", "The confusion microscope",
     "letters morph: each stroke morphed into its lookalike; P(C) with its interval, the units that change most."),
    ("decay.png", "Weight decay's dose response",
     "letters decay: every measure against the weight-decay strength, one line per training size, intervals over seeds."),
)


def data_uri(image: Image.Image) -> str:
    """A picture as a data: URI, so report.html needs no files beside it."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _template():
    env = Environment(autoescape=select_autoescape(default=True))
    return env.from_string(resources.files("letters.show").joinpath("templates/report.html").read_text(encoding="utf-8"))


def _saved_picture(path: Path) -> Image.Image | None:
    if not path.is_file() or path.is_symlink():
        return None
    try:
        with Image.open(path) as image:
            image.load()
            return image.convert("RGB")
    except OSError:  # not a picture we can read: leave it out rather than fail the report
        return None


def _decay_here(out: Path) -> dict | None:
    """The verdicts of a decay.json that `letters decay --out` wrote into this folder, if any."""
    path = out / "decay.json"
    if not path.is_file() or path.is_symlink():
        return None
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        return decay_verdicts(DecayReport(d["config"], [Cell(**c) for c in d["cells"]], [], 0, 0, 0.0))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def write_report(out: Path, model: LetterMLP, probes: Probes, report: AnalysisReport,
                 checkpoint: dict | None = None) -> dict:
    """Write the pictures and report.html into `out`; `checkpoint` adds the training curves and the decay."""
    out = Path(out)
    check_output_folder(out, REPORT_FILES)  # every file, before the first is written
    out.mkdir(parents=True, exist_ok=True)
    pictures = analysis_pictures(model, probes, report)
    for name, image in pictures.items():
        save_image(image, out / name)
    extra = dict(pictures, sheet=render_sheet(probes.full, probes.owners, probes.full_labels))
    history = ((checkpoint or {}).get("metrics") or {}).get("history") or []
    if history:
        extra["curves"] = training_curves(history)
    for name, _, _ in EXPERIMENT_PICTURES:
        picture = _saved_picture(out / name)
        if picture is not None:
            extra[name] = picture
    ex = report.example
    decay = ((checkpoint or {}).get("train_config") or {}).get("weight_decay")
    records = [SimpleNamespace(**r) if isinstance(r, dict) else r for r in history]
    context = {
        "title": "what the hidden units detect, and the text's example measured",
        "verdict": example_verdict(ex) if ex else [], "counts": counts_line(report.counts, report.blank_active),
        "text_example": TEXT_EXAMPLE, "text_source": TEXT_SOURCE, "hidden": "+".join(map(str, report.dims["hidden"])),
        "probes": report.probes["per_role"], "seed": report.probes["seed"],
        "chance": pct(ex.chance) if ex else pct(1 / len(report.classes)), "example": ex is not None,
        "letter_like": html_table(called_table(ex.letter_like, report.classes, "letter, one stroke left out")) if ex else "",
        "lone": html_table(called_table(ex.lone, report.classes, "stroke alone")) if ex else "",
        "strokes": html_table(strokes_table(report, top=5)),
        "ablation": html_table(ablation_table(ex)) if ex and ex.ablation.units else "",
        "ablation_units": ex.ablation.units if ex else [], "control_sets": ex.ablation.control_sets if ex else 0,
        "target": ex.target if ex else "", "text_terms": TEXT_TERMS, "tool_terms": TOOL_TERMS,
        "decay_line": weight_decay_line(records, decay) if records and decay is not None else "",
        "decay_verdicts": _decay_here(out), "curves": "curves" in extra,
        "units": html_table(units_table(report, by_category(report.units))), "unit_count": len(report.units),
        "lookalikes": html_table(lookalike_table(report)), "dissection": html_table(dissection_table(report)),
        "experiments": [e for e in EXPERIMENT_PICTURES if e[0] in extra],
        "figure": lambda name, caption: (f"<figure><img alt='{name}' src='{data_uri(extra[name])}'>"
                                         f"<figcaption>{caption}</figcaption></figure>" if name in extra else ""),
    }
    with atomic_file(out / "report.html", "w", encoding="utf-8") as f:
        f.write(_template().render(**context))
    return {name: str(out / name) for name in [*pictures, "report.html"]}
