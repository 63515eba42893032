"""The analysis as pictures and one self-contained report.html.

Unit weight grid, units-by-roles heatmap and the misclassification panel are Pillow
images; `write_report` saves them and embeds them (base64) in an HTML page that opens
in any browser without a server. `run_analysis` is `letters analyze`: load, analyse,
and with a folder write the report. Writes files, prints nothing.
"""

from __future__ import annotations

import html
from pathlib import Path

from PIL import Image, ImageDraw

from .analysis import Probes, mean_probe_images
from .files import atomic_file
from .model import LetterMLP
from .pictures import BACKGROUND, INK, SERIES, font, gray_tile, heatmap, save_image, titled_grid, weight_tile
from .present import data_uri, html_table
from .strokes import CLASSES, ROLES


def weight_grid(model: LetterMLP, units: list[dict]) -> Image.Image:
    """First-layer units' incoming weights, red positive, blue negative, titled with label and votes."""
    weights = model.hidden[0].weight.detach().cpu()
    first = [u for u in units if u["layer"] == 1]
    tiles = [weight_tile(weights[u["index"]].tolist()) for u in first]
    titles = [[f"L1.{u['index']} {u['label']}",
               " ".join(f"{c}{u['votes'][c]:+.2f}" for c in CLASSES)] for u in first]
    return titled_grid(tiles, titles, columns=8)


def role_heatmap(units: list[dict]) -> Image.Image:
    """Units by roles: each cell the unit's mean activation on that stroke alone."""
    rows = [f"L{u['layer']}.{u['index']} {u['label']}" for u in units]
    values = [[u["stroke_activation"][r] for r in ROLES] for u in units]
    return heatmap(rows, list(ROLES), values, "mean activation on each stroke alone")


def _bars(probabilities: dict, width: int = 150) -> Image.Image:
    img = Image.new("RGB", (width, 16 * len(probabilities) + 4), BACKGROUND)
    draw = ImageDraw.Draw(img)
    for k, (c, p) in enumerate(probabilities.items()):
        y = 2 + 16 * k
        draw.text((2, y), c, fill=INK, font=font(11))
        draw.rectangle((16, y + 2, 16 + int((width - 60) * p), y + 12), fill=SERIES[k % len(SERIES)])
        draw.text((width - 40, y), f"{p:.2f}", fill=INK, font=font(11))
    return img


def misclassification_panel(probes: Probes, report: dict) -> Image.Image:
    """Each lone stroke (its mean probe image) above the network's mean probabilities."""
    means = mean_probe_images(probes)
    lone = report["misclassification"]["lone_strokes"]
    tiles, titles = [], []
    for role, r in lone.items():
        tile = gray_tile([int(v) for v in means[role].flatten().tolist()], zoom=4)
        bars = _bars(r["mean_probabilities"], width=tile.width + 40)
        combined = Image.new("RGB", (bars.width, tile.height + bars.height), BACKGROUND)
        combined.paste(tile, ((bars.width - tile.width) // 2, 0))
        combined.paste(bars, (0, tile.height))
        tiles.append(combined)
        titles.append([role, f"called C: {100 * r['called_C']:.0f}%"])
    return titled_grid(tiles, titles, columns=len(tiles))


def write_report(out: Path, model: LetterMLP, probes: Probes, report: dict,
                 comparison: list | None = None) -> dict:
    """Write weights.png, roles.png, misclassification.png and report.html into `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pictures = {
        "weights.png": ("Incoming weights of each first-layer unit (red +, blue -), with label and votes",
                        weight_grid(model, report["units"])),
        "roles.png": ("Units by roles", role_heatmap(report["units"])),
        "misclassification.png": ("The text's example: strokes alone and what the network says",
                                  misclassification_panel(probes, report)),
    }
    for name, (_, image) in pictures.items():
        save_image(image, out / name)
    mis = report["misclassification"]
    units = sorted(report["units"], key=lambda u: -u["ablation_cost"])
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>letters analysis</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}img{max-width:100%}</style></head><body>",
        f"<h1>letters: what the hidden units detect</h1><p>Network {html.escape(str(report['dims']))}; "
        f"{report['probes']['per_role']} probes per stroke. Importance = {html.escape(report['importance'])}.</p>",
        "<h2>The misclassification example</h2><ul>" +
        "".join(f"<li>{html.escape(s)}</li>" for s in mis["summary"]) + "</ul>",
    ]
    for name, (title, image) in pictures.items():
        parts.append(f"<h2>{html.escape(title)}</h2><img alt='{name}' src='{data_uri(image)}'>")
    parts.append("<h2>Stroke deletion</h2>" + html_table(
        ["letter", "kept strokes", "called C", "called true letter"],
        [[d["letter"], ", ".join(d["kept"]), f"{d['called_C']:.2f}", f"{d['called_true']:.2f}"] for d in mis["deletion"]]))
    parts.append("<h2>Units, most important first</h2>" + html_table(
        ["unit", "label", "selectivity", "IoU (role)", "bias", "baseline", "votes A/B/C", "ablation cost"],
        [[f"L{u['layer']}.{u['index']}", u["label"], u["selectivity"], f"{u['iou']} ({u['iou_role']})", u["bias"],
          u["baseline"], " / ".join(f"{u['votes'][c]:+.2f}" for c in CLASSES), u["ablation_cost"]] for u in units]))
    if comparison:
        parts.append("<h2>Weight decay and overfitting</h2>" + html_table(
            ["weight decay", "train acc", "val acc", "gap", "weight norms", "clean units"],
            [[r["weight_decay"], r["train_accuracy"], r["val_accuracy"], r["gap"], r["weight_norms"], r["clean_units"]]
             for r in comparison]) + f"<p>{html.escape(report.get('weight_decay_summary', ''))}</p>")
    parts.append("</body></html>")
    with atomic_file(out / "report.html", "w", encoding="utf-8") as f:
        f.write("\n".join(parts))
    return {name: str(out / name) for name in [*pictures, "report.html"]}


def run_analysis(model_path, config, out=None, compare: bool = False) -> tuple[dict, dict]:
    """Analyse a checkpoint; with `out`, write the pictures and report.html there."""
    from .analysis import analyze, build_probes, compare_weight_decay, weight_decay_summary
    from .checkpoint import load_model
    from .config import GeneratorConfig
    from .errors import OptionError
    from .shipped import DEFAULT_MODEL

    if out is not None and Path(out).exists() and not Path(out).is_dir():
        raise OptionError("out", f"{out} is a file; give a folder for the pictures and report")
    model, checkpoint = load_model(model_path or DEFAULT_MODEL)
    probes = build_probes(config, GeneratorConfig())
    report = analyze(model, config, GeneratorConfig(), probes)
    if compare:
        report["weight_decay_comparison"] = compare_weight_decay(hidden=tuple(checkpoint["dims"]["hidden"]))
        report["weight_decay_summary"] = weight_decay_summary(report["weight_decay_comparison"])
    files = write_report(out, model, probes, report, report.get("weight_decay_comparison")) if out else {}
    return report, files
