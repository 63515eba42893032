"""The contact sheet of a dataset: samples of each letter, every pixel coloured by the stroke that drew it.

Written beside every generated dataset (sheet.png) and shown in the report; the one picture the drawing
layer makes, because a dataset is not whole without it.
"""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from ..alphabet import CLASSES, ROLES, letter_roles
from ..inputs.preprocess import IMAGE_SIZE

# Each letter's strokes in colours far apart in hue; the k-th stroke of the n-th letter takes row n % 3.
PALETTE = (((230, 60, 60), (60, 140, 240), (250, 200, 40)),
           ((170, 90, 230), (240, 130, 40), (60, 200, 120)),
           ((240, 130, 40), (230, 60, 60), (60, 200, 200)))


def role_colour(role: str) -> tuple[int, int, int]:
    """The stroke's colour on the sheet and in every picture that colours strokes."""
    letter = CLASSES.index(role.split(".")[0])
    k = letter_roles(CLASSES[letter]).index(role)
    row = PALETTE[letter % len(PALETTE)]
    return row[k % len(row)]


def render_sheet(images, owners, labels, per_class: int = 8, zoom: int = 3) -> Image.Image:
    """Contact sheet: `per_class` samples of each letter, each pixel coloured by its role, with a legend."""
    tile = IMAGE_SIZE * zoom
    rows = len(CLASSES)
    legend_w = 190
    sheet = Image.new("RGB", (per_class * tile + legend_w, rows * tile), (0, 0, 0))
    palette = [(0, 0, 0)] + [role_colour(r) for r in ROLES]
    for row, _ in enumerate(CLASSES):
        picks = (labels == row).nonzero().flatten()[:per_class].tolist()
        for col, i in enumerate(picks):
            ink, own = images[i].flatten().tolist(), owners[i].flatten().tolist()
            pixels = [tuple(c * v // 255 for c in palette[o]) for v, o in zip(ink, own)]
            glyph = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE))
            glyph.putdata(pixels)
            sheet.paste(glyph.resize((tile, tile), Image.Resampling.NEAREST), (col * tile, row * tile))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    x = per_class * tile + 10
    for row, letter in enumerate(CLASSES):
        for k, role in enumerate(letter_roles(letter)):
            y = row * tile + 12 + 22 * k
            draw.rectangle((x, y, x + 14, y + 14), fill=role_colour(role))
            draw.text((x + 20, y), role, fill=(255, 255, 255), font=font)
    return sheet
