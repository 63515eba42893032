"""Pictures drawn with Pillow alone: training curves, weight tiles, heatmaps, grids, panels.

Every function returns a PIL image; callers decide where it goes. `save_image` writes
one atomically. No matplotlib: the pictures and the report work without it.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from PIL import Image, ImageDraw, ImageFont

from ..files import atomic_file

BACKGROUND = (255, 255, 255)
INK = (40, 40, 40)
SERIES = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14), (148, 103, 189), (140, 86, 75)]


def font(size: int = 12) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow built without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def save_image(image: Image.Image, path: str | Path) -> None:
    """Write a PNG via a temporary file and rename, so no half-written picture is left."""
    with atomic_file(path) as f:
        image.save(f, format="PNG")


def line_chart(title: str, series: dict, size=(420, 260)) -> Image.Image:
    """One panel: each named series is a list of y values against 1..n."""
    w, h = size
    left, right, top, bottom = 52, 12, 26, 30
    img = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(img)
    draw.text((left, 6), title, fill=INK, font=font(13))
    values = [v for ys in series.values() for v in ys if v == v]
    if not values:
        return img
    lo, hi = min(values), max(values)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    n = max(len(ys) for ys in series.values())
    x0, x1, y0, y1 = left, w - right, h - bottom, top
    draw.rectangle((x0, y1, x1, y0), outline=(180, 180, 180))
    for frac in (0.0, 0.5, 1.0):
        y = y0 + (y1 - y0) * frac
        draw.text((4, y - 6), f"{lo + (hi - lo) * frac:.3g}", fill=INK, font=font(10))
    draw.text((x0, y0 + 6), "1", fill=INK, font=font(10))
    draw.text((x1 - 16, y0 + 6), f"{n}", fill=INK, font=font(10))
    draw.text(((x0 + x1) // 2 - 14, y0 + 12), "epoch", fill=INK, font=font(10))

    def xy(i, v):
        x = x0 + (x1 - x0) * (i / max(n - 1, 1))
        return x, y0 + (y1 - y0) * ((v - lo) / (hi - lo))

    for k, (name, ys) in enumerate(series.items()):
        colour = SERIES[k % len(SERIES)]
        pts = [xy(i, v) for i, v in enumerate(ys) if v == v]
        if len(pts) > 1:
            draw.line(pts, fill=colour, width=2)
        for x, y in pts:
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=colour)
        draw.text((x1 - 150, y1 + 4 + 13 * k), name, fill=colour, font=font(11))
    return img


def training_curves(history: list) -> Image.Image:
    """Data loss and penalty, train and validation accuracy, weight norm per epoch, from
    `train.EpochRecord`s (or the same records as dicts, as a checkpoint stores them)."""
    records = [SimpleNamespace(**r) if isinstance(r, dict) else r for r in history]
    layers = len(records[0].weight_norms) if records else 0
    panels = [
        line_chart("loss", {"data loss": [r.data_loss for r in records],
                            "penalty": [r.penalty for r in records],
                            "total": [r.total_loss for r in records]}),
        line_chart("accuracy", {"train": [r.train_accuracy for r in records],
                                "validation": [r.val_accuracy for r in records]}),
        line_chart("L2 norm of weights", {f"layer {i + 1}": [r.weight_norms[i] for r in records]
                                          for i in range(layers)}),
    ]
    w, h = panels[0].size
    out = Image.new("RGB", (w * len(panels), h), BACKGROUND)
    for i, panel in enumerate(panels):
        out.paste(panel, (i * w, 0))
    return out


def diverging(value: float, scale: float) -> tuple[int, int, int]:
    """Red for positive, blue for negative, white at zero."""
    t = max(-1.0, min(1.0, value / scale)) if scale > 0 else 0.0
    if t >= 0:
        return 255, int(255 * (1 - t)), int(255 * (1 - t))
    return int(255 * (1 + t)), int(255 * (1 + t)), 255


def weight_tile(weights: list[float], side: int = 28, zoom: int = 3, scale: float | None = None) -> Image.Image:
    """One unit's incoming weights (side*side values) as a red/blue image, symmetric scale
    (`scale` maps to full colour; default: this tile's largest absolute weight)."""
    scale = scale or max(abs(v) for v in weights) or 1.0
    tile = Image.new("RGB", (side, side))
    tile.putdata([diverging(v, scale) for v in weights])
    return tile.resize((side * zoom, side * zoom), Image.Resampling.NEAREST)


def outline(tile: Image.Image, mask: list[float], side: int = 28, threshold: float = 0.3,
            colour: tuple[int, int, int] = (20, 20, 20)) -> Image.Image:
    """The tile with the edge of a stroke's mean mask (pixels at or over `threshold`) drawn on it: where
    the stroke sits, over what the unit weighs there."""
    zoom = tile.width // side
    inside = [[mask[y * side + x] >= threshold for x in range(side)] for y in range(side)]
    out = tile.copy()
    draw = ImageDraw.Draw(out)
    for y in range(side):
        for x in range(side):
            if not inside[y][x]:
                continue
            x0, y0, x1, y1 = x * zoom, y * zoom, (x + 1) * zoom - 1, (y + 1) * zoom - 1
            if x == 0 or not inside[y][x - 1]:
                draw.line((x0, y0, x0, y1), fill=colour)
            if x == side - 1 or not inside[y][x + 1]:
                draw.line((x1, y0, x1, y1), fill=colour)
            if y == 0 or not inside[y - 1][x]:
                draw.line((x0, y0, x1, y0), fill=colour)
            if y == side - 1 or not inside[y + 1][x]:
                draw.line((x0, y1, x1, y1), fill=colour)
    return out


def gray_tile(pixels: list[int], side: int = 28, zoom: int = 3) -> Image.Image:
    """A 28x28 ink image (255 = ink) shown dark on white."""
    tile = Image.new("L", (side, side))
    tile.putdata([255 - v for v in pixels])
    return tile.resize((side * zoom, side * zoom), Image.Resampling.NEAREST).convert("RGB")


def titled_grid(tiles: list[Image.Image], titles: list[list[str]], columns: int = 8) -> Image.Image:
    """Tiles in a grid, each with a few lines of caption under it."""
    if not tiles:
        return Image.new("RGB", (10, 10), BACKGROUND)
    tw, th = tiles[0].size
    lines = max(len(t) for t in titles)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    widest = max((measure.textlength(text, font=font(11)) for caption in titles for text in caption), default=0)
    cw, ch = max(tw, 120, int(widest) + 4) + 8, th + 14 * lines + 10  # wide enough that no caption runs under the next tile
    rows = (len(tiles) + columns - 1) // columns
    out = Image.new("RGB", (cw * min(columns, len(tiles)), ch * rows), BACKGROUND)
    draw = ImageDraw.Draw(out)
    for i, (tile, caption) in enumerate(zip(tiles, titles)):
        x, y = (i % columns) * cw + 4, (i // columns) * ch + 4
        out.paste(tile, (x + (cw - 8 - tw) // 2, y))
        for k, text in enumerate(caption):
            draw.text((x, y + th + 2 + 14 * k), text, fill=INK, font=font(11))
    return out


def heatmap(rows: list[str], columns: list[str], values: list[list[float]], title: str = "") -> Image.Image:
    """Rows x columns of non-negative values, darker = larger, with labels."""
    cell, left, top = 22, 175, 130
    img = Image.new("RGB", (left + cell * len(columns) + 10, top + cell * len(rows) + 10), BACKGROUND)
    draw = ImageDraw.Draw(img)
    draw.text((6, 4), title, fill=INK, font=font(13))
    peak = max((v for row in values for v in row), default=1.0) or 1.0
    for j, name in enumerate(columns):
        label = Image.new("RGB", (top - 28, cell), BACKGROUND)
        ImageDraw.Draw(label).text((2, 4), name, fill=INK, font=font(11))
        img.paste(label.rotate(90, expand=True), (left + j * cell, 26))
    for i, name in enumerate(rows):
        draw.text((6, top + i * cell + 5), name, fill=INK, font=font(11))
        for j, v in enumerate(values[i]):
            t = max(0.0, min(1.0, v / peak))
            colour = (int(255 - 200 * t), int(255 - 150 * t), int(255 - 60 * t))
            draw.rectangle((left + j * cell, top + i * cell, left + (j + 1) * cell - 1, top + (i + 1) * cell - 1),
                           fill=colour, outline=(230, 230, 230))
    return img


def enlarge(image: Image.Image, zoom: int = 10) -> Image.Image:
    """Nearest-neighbour enlargement, so each input pixel stays visible."""
    return image.resize((image.width * zoom, image.height * zoom), Image.Resampling.NEAREST)


def colour_bar(scale: float, caption: str, width: int = 260) -> Image.Image:
    """The red/blue legend for `diverging`: -scale (blue) through 0 (white) to +scale (red)."""
    text_width = int(ImageDraw.Draw(Image.new("RGB", (1, 1))).textlength(caption, font=font(10))) + 10
    img = Image.new("RGB", (max(width + 80, text_width), 44), BACKGROUND)
    draw = ImageDraw.Draw(img)
    for i in range(width):
        draw.line((40 + i, 4, 40 + i, 18), fill=diverging((2 * i / (width - 1) - 1) * scale, scale))
    draw.rectangle((40, 4, 40 + width - 1, 18), outline=(180, 180, 180))
    for frac, text in ((0.0, f"{-scale:.2g}"), (0.5, "0"), (1.0, f"{scale:.2g}")):
        draw.text((40 + frac * (width - 1) - 10, 20), text, fill=INK, font=font(10))
    draw.text((4, 31), caption, fill=INK, font=font(10))
    return img


def diverging_heatmap(rows: list[str], columns: list[str], values: list[list[float]], marks: list[list[bool]],
                      title: str, caption: str) -> Image.Image:
    """Rows x columns on one symmetric red/blue scale, its legend on top; marked cells get a dot."""
    cell, left = 20, 190
    scale = max((abs(v) for row in values for v in row), default=1.0) or 1.0
    bar = colour_bar(scale, caption)
    top = 24 + bar.height + 104  # title, legend, rotated column names
    title_width = int(ImageDraw.Draw(bar).textlength(title, font=font(13))) + 12
    img = Image.new("RGB", (max(left + cell * len(columns) + 10, bar.width + 6, title_width), top + cell * len(rows) + 10),
                    BACKGROUND)
    draw = ImageDraw.Draw(img)
    draw.text((6, 4), title, fill=INK, font=font(13))
    img.paste(bar, (6, 22))
    for j, name in enumerate(columns):
        label = Image.new("RGB", (100, cell), BACKGROUND)
        ImageDraw.Draw(label).text((2, 4), name, fill=INK, font=font(11))
        img.paste(label.rotate(90, expand=True), (left + j * cell, top - 102))
    for i, name in enumerate(rows):
        draw.text((6, top + i * cell + 4), name, fill=INK, font=font(11))
        for j, v in enumerate(values[i]):
            box = (left + j * cell, top + i * cell, left + (j + 1) * cell - 1, top + (i + 1) * cell - 1)
            draw.rectangle(box, fill=diverging(v, scale), outline=(230, 230, 230))
            if marks[i][j]:
                cx, cy = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
                draw.ellipse((cx - 2, cy - 2, cx + 2, cy + 2), fill=INK)
    return img
