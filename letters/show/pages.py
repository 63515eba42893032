"""The experiments as pictures and self-contained pages: the morph strip and the dose response.

`morph_picture` stacks, per morph, the strip of glyphs, P(target) with its interval and the top
units' responses; `decay_picture` draws one panel per measure against weight decay, one line
per training size, with intervals over seeds. `write_morph_report` and `write_decay_report`
save the picture and an HTML page beside it. Pillow only; writes files, prints nothing.
"""

from __future__ import annotations

import html
from pathlib import Path

from PIL import Image, ImageDraw

from ..alphabet import CLASSES
from ..files import atomic_file
from ..study.decay import MEASURES, DecayReport, decay_json
from ..study.morph import MorphReport
from .json import dumps
from .pictures import BACKGROUND, INK, SERIES, font, gray_tile, save_image
from .report import data_uri
from .results import decay_points_table
from .tables import html_table
from .words import decay_verdicts, morph_title, morph_verdict

GRID = (200, 200, 200)
LETTER_COLOURS = {c: SERIES[(k + 2) % len(SERIES)] for k, c in enumerate(CLASSES)}  # one colour a letter
MEASURE_NAMES = {  # what each decay panel is titled
    "train_accuracy": "train accuracy", "test_accuracy": "accuracy, fresh glyphs", "gap": "gap (train - fresh)",
    "handwriting_accuracy": "accuracy, handwriting", "handwriting_gap": "gap (train - handwriting)",
    "weight_norm_1": "layer-1 weight norm (L2)", "weight_l1_1": "layer-1 mean |w|",
    "units:detector": "detector units", "units:lookalike": "lookalike units", "units:bias-only": "bias-only units",
    "units:dead": "dead units"}


def measure_name(measure: str) -> str:
    name, _, key = measure.partition(":")
    if name == "stroke_called_target":
        return f"{key} alone called the target"
    if name == "letter_called_target":
        return f"fresh {key} called the target"
    return MEASURE_NAMES.get(measure, measure)


def _morph_panel(result, strip) -> Image.Image:
    steps = len(result.t)
    zoom, gap, left, right = 2, 2, 170, 16
    tile = 28 * zoom
    width = left + steps * (tile + gap) + right
    chart_h, row_h = 150, 18
    units = result.top_units
    height = 24 + tile + 8 + chart_h + 30 + row_h * len(units) + 16
    img = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(img)
    cross = result.crossing
    target = result.target
    draw.text((6, 4), f"{result.name}  ({morph_title(result)})", fill=INK, font=font(13))

    def cx(i: int) -> float:
        return left + i * (tile + gap) + tile / 2

    y = 24
    for i in range(steps):
        img.paste(gray_tile([int(v) for v in strip[i].flatten().tolist()], zoom=zoom), (left + i * (tile + gap), y))
    draw.text((6, y + tile // 2 - 6), "one hand, t = 0 .. 1", fill=INK, font=font(11))
    top = y + tile + 8
    bottom = top + chart_h

    def cy(p: float) -> float:
        return bottom - p * chart_h

    draw.rectangle((cx(0), top, cx(steps - 1), bottom), outline=GRID)
    for p in (0.0, 0.5, 1.0):
        draw.text((left - 30, cy(p) - 6), f"{p:.1f}", fill=INK, font=font(10))
    for x in range(int(cx(0)), int(cx(steps - 1)), 8):
        draw.line((x, cy(0.5), x + 3, cy(0.5)), fill=INK)
    if cross.low is not None:
        x0 = cx(0) + cross.low * (cx(steps - 1) - cx(0))
        x1 = cx(0) + cross.high * (cx(steps - 1) - cx(0))
        draw.rectangle((x0, top + 1, max(x1, x0 + 1), bottom - 1), fill=(235, 235, 235))
    band = [(cx(i), cy(iv.high)) for i, iv in enumerate(result.probabilities[target])]
    band += [(cx(i), cy(iv.low)) for i, iv in reversed(list(enumerate(result.probabilities[target])))]
    draw.polygon(band, fill=(248, 200, 200))
    for letter, series in result.probabilities.items():
        colour = LETTER_COLOURS.get(letter, INK)
        pts = [(cx(i), cy(iv.mean)) for i, iv in enumerate(series)]
        draw.line(pts, fill=colour, width=3 if letter == target else 1)
    if cross.t is not None:
        x = cx(0) + cross.t * (cx(steps - 1) - cx(0))
        draw.line((x, top, x, bottom), fill=INK)
    for k, letter in enumerate(result.probabilities):
        draw.text((6, top + 4 + 14 * k), f"P({letter})" + (" with 95% interval" if letter == target else ""),
                  fill=LETTER_COLOURS.get(letter, INK), font=font(11))
    draw.text((6, bottom - 14), "over hands", fill=INK, font=font(10))
    y = bottom + 8
    draw.text((6, y), "top units: mean activation (row-scaled)", fill=INK, font=font(11))
    y += 18
    for unit in units:
        peak = max(max(unit.response), 1e-9)
        draw.text((6, y + 2), f"{unit.unit} {unit.stroke or unit.category} ({unit.vote:+.2f})"[:28], fill=INK, font=font(10))
        for i, v in enumerate(unit.response):
            t = max(0.0, min(1.0, v / peak))
            colour = (int(255 - 200 * t), int(255 - 150 * t), int(255 - 60 * t))
            draw.rectangle((left + i * (tile + gap), y, left + i * (tile + gap) + tile, y + row_h - 3), fill=colour)
        y += row_h
    return img


def morph_picture(report: MorphReport) -> Image.Image:
    """Every morph of the report, stacked."""
    panels = [_morph_panel(r, report.examples[r.name]) for r in report.morphs]
    width = max(p.width for p in panels)
    out = Image.new("RGB", (width, sum(p.height for p in panels)), BACKGROUND)
    y = 0
    for panel in panels:
        out.paste(panel, (0, y))
        y += panel.height
    return out


def _decay_panel(report: DecayReport, measure: str, size=(330, 230)) -> Image.Image | None:
    points = [p for p in report.points if p.measure == measure]
    if not points:
        return None
    w, h = size
    left, right, top, bottom = 46, 10, 24, 34
    img = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(img)
    draw.text((left, 5), measure_name(measure), fill=INK, font=font(12))
    l2 = sorted({p.strength for p in points if p.penalty == "l2"})
    l1 = sorted({p.strength for p in points if p.penalty == "l1"})
    columns = [("l2", s) for s in l2] + [("l1", s) for s in l1]
    values = [v for p in points for v in (p.value.low, p.value.high, p.value.mean) if v == v]
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    pad = 0.05 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    x0, x1, y0, y1 = left, w - right, h - bottom, top

    def px(column) -> float:
        k = columns.index(column) + (0.6 if column[0] == "l1" else 0.0)  # a gap before the L1 contrast
        return x0 + 12 + (x1 - x0 - 24) * k / max(len(columns) - 1 + (0.6 if l1 else 0.0), 1)

    def py(v: float) -> float:
        return y0 + (y1 - y0) * (v - lo) / (hi - lo)

    draw.rectangle((x0, y1, x1, y0), outline=GRID)
    for frac in (0.0, 0.5, 1.0):
        v = lo + (hi - lo) * frac
        draw.text((2, py(v) - 6), f"{v:.3g}", fill=INK, font=font(10))
    for column in columns:
        name = ("0" if column[1] == 0 else f"{column[1]:.0e}".replace("e-0", "e-")) if column[0] == "l2" else \
            f"L1 {column[1]:.0e}".replace("e-0", "e-")
        draw.text((px(column) - 12, y0 + 4), name, fill=INK, font=font(9))
    draw.text((x0 + 40, y0 + 18), "weight decay (L2), then the L1 run", fill=INK, font=font(9))
    sizes = sorted({p.size for p in points})
    for k, size_ in enumerate(sizes):
        colour = SERIES[k % len(SERIES)]
        mine = {(p.penalty, p.strength): p.value for p in points if p.size == size_}
        shift = (k - (len(sizes) - 1) / 2) * 4  # sizes side by side, so their intervals do not hide each other
        line = [(px(c) + shift, py(mine[c].mean)) for c in columns if c[0] == "l2" and c in mine]
        if len(line) > 1:
            draw.line(line, fill=colour, width=2)
        for c in columns:
            if c not in mine:
                continue
            v = mine[c]
            x = px(c) + shift
            if v.low == v.low:  # NaN for a single seed: no interval to draw
                draw.line((x, py(v.low), x, py(v.high)), fill=colour)
            r = 3 if c[0] == "l2" else 4
            shape = draw.ellipse if c[0] == "l2" else draw.rectangle
            shape((x - r, py(v.mean) - r, x + r, py(v.mean) + r), fill=colour)
    return img


def decay_picture(report: DecayReport, columns: int = 4) -> Image.Image:
    """One panel per measure against weight decay; a line per training size; 95% intervals over seeds."""
    panels = [p for p in (_decay_panel(report, m) for m in MEASURES) if p is not None]
    pw, ph = panels[0].size
    rows = (len(panels) + columns - 1) // columns
    legend = 22
    out = Image.new("RGB", (pw * columns, ph * rows + legend), BACKGROUND)
    draw = ImageDraw.Draw(out)
    sizes = sorted({p.size for p in report.points})
    seeds = report.config["seeds"]
    x = 8
    for k, size in enumerate(sizes):
        text = f"{size:,} training glyphs"
        draw.rectangle((x, 6, x + 10, 16), fill=SERIES[k % len(SERIES)])
        draw.text((x + 14, 4), text, fill=INK, font=font(12))
        x += 24 + 8 * len(text)
    draw.text((x + 10, 4), f"mean and 95% interval over {seeds} seeds", fill=INK, font=font(12))
    for i, panel in enumerate(panels):
        out.paste(panel, ((i % columns) * pw, legend + (i // columns) * ph))
    return out


def _page(out: Path, title: str, paragraphs: list[str], image: Image.Image, name: str, tables: str = "") -> None:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    page = ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;max-width:1400px;margin:2em auto}}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}"
            f"img{{max-width:100%}}</style></head><body><h1>{html.escape(title)}</h1>{body}"
            f"<img alt='{name}' src='{data_uri(image)}'>{tables}</body></html>")
    with atomic_file(out, "w", encoding="utf-8") as f:
        f.write(page)


def write_morph_report(out: Path, report: MorphReport) -> dict:
    """morph.png and morph.html in `out`."""
    out = Path(out)
    image = morph_picture(report)
    save_image(image, out / "morph.png")
    _page(out / "morph.html", "letters: the confusion microscope", [morph_verdict(r) for r in report.morphs], image, "morph.png")
    return {"morph.png": str(out / "morph.png"), "morph.html": str(out / "morph.html")}


def write_decay_report(out: Path, report: DecayReport) -> dict:
    """decay.png, decay.html and decay.json (every number, for the analysis report) in `out`."""
    out = Path(out)
    image = decay_picture(report)
    save_image(image, out / "decay.png")
    table = "<h2>Every point</h2>" + html_table(decay_points_table(report))
    verdicts = decay_verdicts(report)
    _page(out / "decay.html", "letters: weight decay, dose response",
          [f"The text says weight decay narrows the weights: {verdicts['narrows']}",
           f"The text says it keeps the network from overfitting: {verdicts['overfitting']}"],
          image, "decay.png", table)
    with atomic_file(out / "decay.json", "w", encoding="utf-8") as f:
        f.write(dumps(decay_json(report)))
    return {name: str(out / name) for name in ("decay.png", "decay.html", "decay.json")}
