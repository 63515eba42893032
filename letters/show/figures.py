"""The analysis's pictures: weight tiles with their stroke drawn on them, units by strokes, letter-like inputs.

Each returns a Pillow image; the report embeds them and `letters analyze --out` saves them.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from ..alphabet import ROLES
from ..network.model import LetterMLP
from ..study.analysis import AnalysisReport
from ..study.example import Called
from ..study.probes import Probes, mean_masks
from ..study.units import CATEGORIES, UnitReport
from .pictures import BACKGROUND, INK, SERIES, colour_bar, diverging_heatmap, font, gray_tile, outline, titled_grid, weight_tile
from .words import inputs_name, unit_label

TILE_ZOOM = 5  # 140-pixel weight tiles: every weight readable, the stroke outline clear


def by_category(units: list[UnitReport]) -> list[UnitReport]:
    """Category (detectors first), then stroke in alphabet order, strongest response first."""
    order = {c: k for k, c in enumerate(CATEGORIES)}
    return sorted(units, key=lambda u: (u.layer, order[u.category], ROLES.index(u.stroke) if u.stroke else len(ROLES),
                                        -max(u.response.values())))


def weight_grid(model: LetterMLP, units: list[UnitReport], probes: Probes, columns: int = 8) -> Image.Image:
    """First-layer units' incoming weights on ONE shared red/blue scale, each with the outline of the
    stroke it fires on most drawn over it, captioned with what it does and its votes."""
    weights = model.hidden[0].weight.detach().cpu()
    first = [u for u in by_category(units) if u.layer == 1]
    masks = dict(zip(ROLES, mean_masks(probes).tolist()))
    scale = float(weights[[u.index for u in first]].abs().max()) if first else 1.0
    tiles = []
    for u in first:
        tile = weight_tile(weights[u.index].tolist(), zoom=TILE_ZOOM, scale=scale)
        tiles.append(outline(tile, masks[u.stroke]) if u.stroke else tile)
    titles = [[f"{u.name} {unit_label(u)}", "votes " + " ".join(f"{c}{v:+.1f}" for c, v in u.votes.items())]
              for u in first]
    grid = titled_grid(tiles, titles, columns=columns)
    bar = colour_bar(scale, "incoming weight, one scale for every tile (red +, blue -); outline: the stroke it fires on most")
    out = Image.new("RGB", (max(grid.width, bar.width), grid.height + bar.height), BACKGROUND)
    out.paste(bar, (0, 0))
    out.paste(grid, (0, bar.height))
    return out


def role_heatmap(units: list[UnitReport]) -> Image.Image:
    """Units by strokes: the response, the quantity that decides firing; dots mark 'fires'."""
    units = by_category(units)
    return diverging_heatmap([f"{u.name} {unit_label(u)}" for u in units], list(ROLES),
                             [[u.response[r] for r in ROLES] for u in units],
                             [[r in u.fires_on for r in ROLES] for u in units],
                             "response to each stroke alone (dot = fires), units by what they do",
                             "response: mean activation on the stroke alone minus on a blank page")


def _bars(shares: dict, width: int) -> Image.Image:
    img = Image.new("RGB", (width, 16 * len(shares) + 4), BACKGROUND)
    draw = ImageDraw.Draw(img)
    for k, (c, p) in enumerate(shares.items()):
        y = 2 + 16 * k
        draw.text((2, y), c, fill=INK, font=font(11))
        draw.rectangle((16, y + 2, 16 + int((width - 60) * p), y + 12), fill=SERIES[k % len(SERIES)])
        draw.text((width - 40, y), f"{100 * p:.0f}%", fill=INK, font=font(11))
    return img


def called_panel(rows: list[Called], probes: Probes, target: str) -> Image.Image:
    """Each input (its mean probe image) above the share of samples called each letter."""
    tiles, titles = [], []
    for c in rows:
        mean = probes.parts[tuple(c.strokes)].float().mean(0)
        tile = gray_tile([int(v) for v in mean.flatten().tolist()], zoom=4)
        bars = _bars({k: r.rate for k, r in c.called.items()}, width=tile.width + 40)
        combined = Image.new("RGB", (bars.width, tile.height + bars.height), BACKGROUND)
        combined.paste(tile, ((bars.width - tile.width) // 2, 0))
        combined.paste(bars, (0, tile.height))
        tiles.append(combined)
        flag = f", flagged {100 * c.flagged.rate:.0f}%" if c.flagged else ""
        titles.append([inputs_name(c), f"called {target} {100 * c.called[target].rate:.0f}% (n={c.n}){flag}"])
    return titled_grid(tiles, titles, columns=max(1, min(len(tiles), 9)))


def analysis_pictures(model: LetterMLP, probes: Probes, report: AnalysisReport) -> dict[str, Image.Image]:
    """name -> picture: weights.png, roles.png and, with the example, example.png."""
    live = [u for u in report.units if u.category != "dead"]
    pictures = {"weights.png": weight_grid(model, live, probes), "roles.png": role_heatmap(live)}
    if report.example is not None:
        pictures["example.png"] = called_panel(report.example.letter_like, probes, report.example.target)
    return pictures


INPUT_ZOOM = 10  # --save-input: each of the 28x28 pixels as a 10x10 block


def errors_sheet(evaluation) -> Image.Image:
    """Every misread file as the network saw it (dark on white), captioned true -> predicted, P(true),
    and with --explain the unit that favoured the wrong answer most."""
    from pathlib import Path

    from ..network.predict import load_input

    tiles, titles = [], []
    for w in evaluation.wrong:
        image = load_input(w.path).image
        if image is None:
            continue
        tiles.append(gray_tile(image.flatten().tolist(), zoom=3))
        caption = [f"{w.true} -> {w.prediction}  P({w.true}) {w.probability_true:.2f}", Path(w.path).name]
        if w.explanation:
            top = w.explanation[0]
            caption.append(f"{top.name} {top.stroke or top.category}")  # titled_grid widens to fit
        titles.append(caption)
    return titled_grid(tiles, titles, columns=10)


def save_network_inputs(loaded: list, target) -> list:
    """Write each 28x28 network input, enlarged, dark on white, as a PNG: `target` itself for one image,
    `<target stem>-<image stem>.png` beside it for several. None for unusable files."""
    from pathlib import Path

    from ..inputs.tensors import tensor_image
    from .pictures import enlarge, save_image

    target = Path(target)
    good = sum(item.image is not None for item in loaded)
    paths: list = []
    for item in loaded:
        if item.image is None:
            paths.append(None)
            continue
        path = target if good == 1 else target.with_name(f"{target.stem}-{Path(item.path).stem}.png")
        save_image(enlarge(tensor_image(item.image).point(lambda v: 255 - v), INPUT_ZOOM), path)
        paths.append(path)
    return paths
