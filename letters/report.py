"""The analysis as pictures and one self-contained report.html.

Weight tiles, the units-by-strokes heatmap and the misclassification panel are Pillow
images; `write_report` saves them and embeds them (base64), with the sample sheet and
the training curves, in an HTML page that opens in any browser without a server. It
opens with the text's paragraph and a glossary, and every number on it comes from the
AnalysisReport. Writes files, prints nothing.
"""

from __future__ import annotations

import html
from pathlib import Path

from PIL import Image, ImageDraw

from .analysis import AnalysisReport, Probes, UnitReport, hidden_layers, mean_probe_images
from .files import atomic_file, check_output_folder
from .model import LetterMLP
from .pictures import BACKGROUND, INK, SERIES, colour_bar, diverging_heatmap, font, gray_tile, render_sheet, save_image, titled_grid, training_curves, weight_tile
from .present import (
    ablation_table,
    data_uri,
    deletion_table,
    dissection_table,
    html_table,
    lone_strokes_table,
    lookalike_table,
    units_by_role_table,
    units_table,
    weight_decay_table,
)
from .strokes import CLASSES, ROLES

# The paragraph of the project text (shared/seed/weights-and-biases.txt) that this analysis tests, verbatim.
TEXT_EXAMPLE = (
    "For example, to train an AI model to identify the letters A, B, and C, the neural network will need to "
    "understand the shapes that make up each letter. For the letter C, the model will need to detect three "
    "shapes: a top curve, a slightly bent line to the left, and a bottom curve. If a top curve is detected, it "
    "will propagate forward to the next layer. However, neurons can accidentally be triggered by miscalculating "
    "data. It might see the top curve of B or the left line of A and misclassify those letters as C."
)
TEXT_SOURCE = "\u201cWhat are Weights and Biases?\u201d, section \u201cExamples of Weights and Biases\u201d"
LABEL_ORDER = [*ROLES, "mixed", "weak", "bias-only", "dead"]
REPORT_FILES = ("weights.png", "roles.png", "misclassification.png", "report.html")  # what write_report writes


def sorted_by_label(units: list[UnitReport]) -> list[UnitReport]:
    """Layer, then label in stroke order (mixed, weak, bias-only, dead last), strongest first."""
    order = {label: k for k, label in enumerate(LABEL_ORDER)}
    return sorted(units, key=lambda u: (u.layer, order.get(u.label, len(order)), -max(u.response.values())))


def weight_grid(model: LetterMLP, units: list[UnitReport], columns: int = 8) -> Image.Image:
    """First-layer units' incoming weights on ONE shared red/blue scale (legend below),
    titled with label and votes."""
    weights = hidden_layers(model)[0].weight.detach().cpu()
    first = [u for u in units if u.layer == 1]
    scale = float(weights[[u.index for u in first]].abs().max()) if first else 1.0
    tiles = [weight_tile(weights[u.index].tolist(), scale=scale) for u in first]
    titles = [[f"{u.name} {u.label}", " ".join(f"{c}{u.votes[c]:+.2f}" for c in CLASSES)] for u in first]
    grid = titled_grid(tiles, titles, columns=columns)
    bar = colour_bar(scale, "incoming weight, the same scale for every tile (red +, blue -)")
    out = Image.new("RGB", (max(grid.width, bar.width), grid.height + bar.height), BACKGROUND)
    out.paste(bar, (0, 0))
    out.paste(grid, (0, bar.height))
    return out


def role_heatmap(units: list[UnitReport]) -> Image.Image:
    """Units (sorted by label) by strokes: the response, the quantity that decides firing; dots mark 'fires'."""
    units = sorted_by_label(units)
    return diverging_heatmap([f"{u.name} {u.label}" for u in units], list(ROLES),
                             [[u.response[r] for r in ROLES] for u in units],
                             [[r in u.fires_on for r in ROLES] for u in units],
                             "response to each stroke alone (dot = fires), units sorted by label",
                             "response: rise over the blank-page baseline, scaled to an average-sized stroke")


def _bars(probabilities: dict, width: int = 150) -> Image.Image:
    img = Image.new("RGB", (width, 16 * len(probabilities) + 4), BACKGROUND)
    draw = ImageDraw.Draw(img)
    for k, (c, p) in enumerate(probabilities.items()):
        y = 2 + 16 * k
        draw.text((2, y), c, fill=INK, font=font(11))
        draw.rectangle((16, y + 2, 16 + int((width - 60) * p), y + 12), fill=SERIES[k % len(SERIES)])
        draw.text((width - 40, y), f"{p:.2f}", fill=INK, font=font(11))
    return img


def misclassification_panel(probes: Probes, report: AnalysisReport) -> Image.Image:
    """Each lone stroke (its mean probe image) above the share of samples called each letter."""
    means = mean_probe_images(probes)
    mis = report.misclassification
    tiles: list[Image.Image] = []
    titles: list[list[str]] = []
    if mis is None:
        return titled_grid(tiles, titles)
    for s in mis.lone_strokes:
        tile = gray_tile([int(v) for v in means[s.role].flatten().tolist()], zoom=4)
        bars = _bars({c: s.called[c].rate for c in CLASSES}, width=tile.width + 40)
        combined = Image.new("RGB", (bars.width, tile.height + bars.height), BACKGROUND)
        combined.paste(tile, ((bars.width - tile.width) // 2, 0))
        combined.paste(bars, (0, tile.height))
        tiles.append(combined)
        t = s.called[mis.target]
        titles.append([s.role, f"called {mis.target} {100 * t.rate:.0f}% (n={t.n})"])
    return titled_grid(tiles, titles, columns=len(tiles) or 1)


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _figure(name: str, image: Image.Image, caption: str) -> str:
    return (f"<figure><img alt='{html.escape(name)}' src='{data_uri(image)}'>"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def write_report(out: Path, model: LetterMLP, probes: Probes, report: AnalysisReport,
                 history: list | None = None) -> dict:
    """Write weights.png, roles.png, misclassification.png and report.html into `out`.
    `history` (epoch records) adds the training curves; the sample sheet is drawn from the probes."""
    out = Path(out)
    check_output_folder(out, REPORT_FILES)  # every file, before the first is written
    out.mkdir(parents=True, exist_ok=True)
    live = [u for u in report.units if u.label != "dead"]  # a wide network has many dead units: pictures show the rest
    dead = len(report.units) - len(live)
    left_out = f" The {dead} dead units (silent on every stroke and on a blank page) are left out." if dead else ""
    pictures = {
        "weights.png": weight_grid(model, sorted_by_label(live)),
        "roles.png": role_heatmap(live),
        "misclassification.png": misclassification_panel(probes, report),
    }
    for name, image in pictures.items():
        save_image(image, out / name)
    extra = {"sheet": render_sheet(probes.full, probes.owners, probes.full_labels)}
    if history:
        extra["curves"] = training_curves(history)
    units, mis = report.units, report.misclassification
    total = len(units)
    counts = report.label_counts
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>letters: what the hidden units detect</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}"
        "blockquote{border-left:4px solid #999;margin:1em 0;padding:.2em 1em;background:#f6f6f6}"
        "img{max-width:100%}figcaption{font-size:13px;color:#444}dt{font-weight:bold}dd{margin:0 0 .4em 1.5em}"
        "</style></head><body>",
        "<h1>letters: what the hidden units detect</h1>",
        f"<blockquote>{html.escape(TEXT_EXAMPLE)}<br><small>{html.escape(TEXT_SOURCE)}</small></blockquote>",
        _p(f"This page tests that paragraph on a network with hidden layers {report.dims['hidden']}, using "
           f"{report.probes['per_role']} generated probes per stroke and per letter (seed {report.probes['seed']}). "
           "It shows only what was measured; every term is defined below."),
        "<h2>Glossary</h2><dl>" + "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>"
                                          for k, v in report.glossary.items()) + "</dl>",
        "<h2>The data and the training</h2>",
        _figure("sheet", extra["sheet"], "Probe glyphs, each pixel coloured by the stroke that drew it."),
    ]
    if "curves" in extra:
        parts.append(_figure("curves", extra["curves"], "Training: data loss and weight penalty, accuracy, weight norms."))
    parts += [
        "<h2>The bias: units that fire on a blank page</h2>",
        _p(f"{report.blank_active} of {total} units fire on a blank page (activation at least {report.fire_floor:g} "
           "with no ink at all). With no input every weight multiplies zero, so what is left is the bias: a "
           "first-layer unit's activation on a blank page is exactly ReLU(bias). This is the text's point that "
           "\u201ceven if the previous unit has a value of zero, the bias will activate a signal\u201d. Responses "
           "below are measured from that baseline."),
        _p("Labels: " + ", ".join(f"{counts[k]} {k}" for k in ("stroke", "mixed", "weak", "bias-only", "dead")
                                  if counts.get(k)) +
           f"; {report.clean_units} clean stroke detector(s) (dissection score of their label at least "
           f"{report.clean_score:g})."),
        "<h2>Each stroke and the units that fire on it</h2>",
        html_table(units_by_role_table(report)),
        _figure("roles.png", pictures["roles.png"],
                "Every unit's response to every stroke alone, on one red/blue scale (legend on top); a dot "
                "marks the strokes it fires on. Units are sorted by label." + left_out),
        _figure("weights.png", pictures["weights.png"],
                "Incoming weights of each first-layer unit, all tiles on one shared scale, titled with label and "
                "votes for A, B and C." + left_out),
        "<h2>Dissection: do units look at their stroke's pixels?</h2>",
        _p("IoU alone is misleading: a large stroke overlaps any map. Each stroke's chance level is the IoU of "
           "stroke-blind maps (the input itself, random units) and its ideal the IoU of a planted detector made "
           "from the stroke's mean mask; the score (IoU - chance) / (ideal - chance) is 0 at chance and 1 as good "
           "as the planted detector."),
        html_table(dissection_table(report)),
        "<h2>Lookalike strokes, from the data</h2>",
        _p("Pairs of strokes from different letters and the units that fire on both, against what independence "
           "predicts. The text names two pairs; the data may agree, disagree or add more."),
        html_table(lookalike_table(report)),
    ]
    if mis:
        parts += [
            "<h2>The text's example, measured</h2>",
            _figure("misclassification.png", pictures["misclassification.png"],
                    "Each stroke drawn alone (mean probe image) and the share of samples called each letter."),
            html_table(lone_strokes_table(mis, list(CLASSES))),
            _p(f"Chance is {100 * mis.chance:.0f}% (one in {len(CLASSES)})."),
            "<ul>" + "".join(f"<li>{html.escape(s.strip())}</li>" for s in mis.summary) + "</ul>",
        ]
        if mis.ablation.units:
            parts += [
                "<h3>Zeroing the shared units, with matched controls</h3>",
                _p(f"The {len(mis.ablation.units)} units that fire on both strokes of one of the text's pairs "
                   f"({', '.join(mis.ablation.units)}) are zeroed; so are {mis.ablation.control_sets} random sets of "
                   "as many live units, and as many sets of units whose strongest vote is for the same letter, unit "
                   "for unit. 'As far' is the share of control sets that move the rate at least as far."),
                html_table(ablation_table(mis)),
            ]
        parts.append("<h3>Letters with strokes left out</h3>" + html_table(deletion_table(mis, list(CLASSES))))
    parts.append("<h2>Every unit, most important first</h2>" + html_table(
        units_table(report, sorted(units, key=lambda u: -u.ablation_cost))))
    if report.weight_decay_comparison:
        parts.append("<h2>Weight decay and overfitting</h2>" + html_table(weight_decay_table(report))
                     + _p(report.weight_decay_summary or ""))
    parts += _experiment_figures(out)
    parts.append("</body></html>")
    with atomic_file(out / "report.html", "w", encoding="utf-8") as f:
        f.write("\n".join(parts))
    return {name: str(out / name) for name in [*pictures, "report.html"]}


EXPERIMENT_PICTURES = (  # written into the same folder by `letters morph --out` and `letters decay --out`
    ("morph.png", "The confusion microscope",
     "letters morph: each stroke morphed into its lookalike; P(C) with its interval, the units that change most."),
    ("decay.png", "Weight decay's dose response",
     "letters decay: every measure against the weight-decay strength, one line per training size, intervals over seeds."),
)


def _experiment_figures(out: Path) -> list[str]:
    """The experiments' pictures, when `letters morph` or `letters decay` wrote them into this folder."""
    parts = []
    for name, title, caption in EXPERIMENT_PICTURES:
        path = out / name
        if not path.is_file():
            continue
        try:
            with Image.open(path) as image:
                image.load()
                parts += [f"<h2>{html.escape(title)}</h2>", _figure(name, image.convert("RGB"), caption)]
        except OSError:  # not a picture we can read: leave it out rather than fail the report
            continue
    return parts


def run_analysis(model_path, config, out=None, compare: bool = False) -> tuple[AnalysisReport, dict]:
    """`letters analyze`: load a checkpoint, analyse it; with `out`, write the pictures and report.html there."""
    from .analysis import analyze_model
    from .checkpoint import load_model
    from .files import check_output_folder
    from .shipped import DEFAULT_MODEL

    if out is not None:
        check_output_folder(out, REPORT_FILES, lambda name: f"{name('out')} ")
    model, checkpoint = load_model(model_path or DEFAULT_MODEL)
    report, probes = analyze_model(model, config)
    if compare:
        from .experiments import compare_weight_decay, weight_decay_summary

        report.weight_decay_comparison = compare_weight_decay(hidden=tuple(checkpoint["dims"]["hidden"]))
        report.weight_decay_summary = weight_decay_summary(report.weight_decay_comparison)
    history = (checkpoint.get("metrics") or {}).get("history")
    files = write_report(out, model, probes, report, history=history) if out else {}
    return report, files
