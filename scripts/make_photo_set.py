"""Build synthetic phone photos of letters on paper, to measure how the classifier copes with photos.
Evaluation only, never training. Each photo composites one letter (a scanned hand-printed letter from
data/handwriting, a font or mouse drawing from data/real, or a generated glyph) onto paper as a phone
camera sees it: mild defaults (a slight ramp of light, sensor noise, JPEG) plus one emphasised kind
(KINDS), saved as OUT/A|B|C/<source>-<number>-<kind>.jpg and listed in OUT/manifest.csv
(file,letter,source,kind,seed, where seed is the photo's own: photo `index` draws everything from
random.Random(seed * 1_000_003 + index), so a seed gives byte-identical files). The full set, and the
small slice kept in git:

    python scripts/make_photo_set.py --out data/photos-full
    python scripts/make_photo_set.py --slice --out data/photos
"""

from __future__ import annotations

import argparse
import csv
import functools
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from letters.errors import run_script
from letters.files import new_folder

ROOT = Path(__file__).resolve().parent.parent
CLASSES = ("A", "B", "C")
SOURCES = ("hw", "real", "gen")
KINDS = ("ramp", "vignette", "shadow", "grey-paper", "cream", "lined", "squared", "pencil", "ballpoint",
         "marker", "blur", "tilt", "small", "page-texture", "desk")
QUICK_KINDS = ("shadow", "tilt", "page-texture")  # the three with the most code behind them
DEFAULT_COUNT = {"hw": None, "real": 150, "gen": 100}  # per letter class; None: every file
SLICE_SIDE = 400  # --slice and --quick: longer side of each saved photo at most this
WORK = 168  # a letter's longer side at the working scale: 6x a 28-pixel map
GEN_SALT = 0x50484F  # generated glyphs' seeds lie far from any training set's


def pick(source: str, letter: str, count: int | None, seed: int) -> list[tuple[int, object]]:
    """(number, what to draw) for `count` letters of one source and class, the same for a seed."""
    rng = random.Random(f"{seed}-{source}-{letter}")
    if source == "gen":
        return [(k, (GEN_SALT + seed) << 32 | (CLASSES.index(letter) << 24) + k) for k in range(count or 0)]
    folder = ROOT / "data" / ("handwriting" if source == "hw" else "real") / letter
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    if source == "hw":
        chosen = range(len(files)) if count is None else sorted(rng.sample(range(len(files)), min(count, len(files))))
        return [(i, files[i]) for i in chosen]
    groups: dict[str, list[int]] = {}  # one glyph saved at two sizes, as PNG, transparent PNG and JPEG
    for i, path in enumerate(files):
        groups.setdefault(path.stem.replace("-alpha", "").rsplit("-", 1)[0], []).append(i)
    keys = rng.sample(sorted(groups), min(count or len(groups), len(groups)))
    return sorted((i, files[i]) for i in (rng.choice(groups[key]) for key in keys))


def ink_map(image: Image.Image) -> np.ndarray:
    """Coverage 0 (paper) .. 1 (ink) of any letter image: ink is whatever differs from the border."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = Image.alpha_composite(Image.new("RGBA", image.size, (255, 255, 255, 255)), image.convert("RGBA"))
    grey = np.asarray(image.convert("L"), dtype=np.float32)
    border = np.median(np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]]))
    diff = np.abs(grey - border)
    return np.clip((diff / max(float(diff.max()), 1.0) - 0.08) / 0.92, 0, 1)


def letter_coverage(source: str, letter: str, ref) -> np.ndarray:
    if source == "gen":
        from letters.config import GeneratorConfig
        from letters.drawing.render import render_glyph
        return ink_map(render_glyph(letter, ref, GeneratorConfig()).image)
    from letters.inputs.images import open_image
    return ink_map(open_image(ref))


def stroke_map(coverage: np.ndarray, kind: str, rng: random.Random) -> Image.Image:
    """The letter's coverage as smooth pen strokes, its longer side WORK pixels plus a margin."""
    ys, xs = np.nonzero(coverage > 0.05)
    crop = coverage[ys.min():ys.max() + 1, xs.min():xs.max() + 1] if len(ys) else coverage
    scale = WORK / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    big = Image.fromarray(np.round(crop * 255).astype(np.uint8)).resize(size, Image.Resampling.BICUBIC)
    pad = 16
    frame = Image.new("L", (size[0] + 2 * pad, size[1] + 2 * pad), 0)
    frame.paste(big, (pad, pad))
    smooth = np.asarray(frame.filter(ImageFilter.GaussianBlur(min(2.5, max(0.6, 0.35 * scale)))), np.float32) / 255
    peak = max(float(np.percentile(smooth[smooth > 0.05], 98)) if (smooth > 0.05).any() else 1.0, 0.05)  # thin lines blur fainter
    low, high = (0.35 * peak, 0.7 * peak) if kind == "pencil" else (0.15 * peak, 0.5 * peak)  # pencil: a thinner line
    t = np.clip((smooth - low) / (high - low), 0, 1)
    strokes = Image.fromarray(np.round(255 * t * t * (3 - 2 * t)).astype(np.uint8))
    if kind == "marker":
        strokes = strokes.filter(ImageFilter.MaxFilter(2 * rng.randint(1, 3) + 1))
    return strokes


def paper(kind: str, rng: random.Random, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """The sheet (H, W, 3) with any ruling, and the ink colour, as float32 0..255."""
    white, warm = rng.uniform(222, 246), rng.uniform(-4, 4)  # the camera's white balance: a little warm or cool
    colour = np.array([white + warm, white, white - warm]) + [rng.uniform(-2, 2) for _ in range(3)]
    if kind == "grey-paper":
        grey = rng.uniform(140, 190)
        colour = np.array([grey + rng.uniform(-4, 4) for _ in range(3)])
    elif kind == "cream":
        colour = np.array([240, 228, 190]) + [rng.uniform(-8, 8) for _ in range(3)]
    dark = rng.uniform(15, 50)
    ink = np.array([dark + rng.uniform(-6, 6) for _ in range(3)])
    if kind == "pencil":
        ink = np.full(3, rng.uniform(90, 140)) + [rng.uniform(-4, 4) for _ in range(3)]
    elif kind == "ballpoint":
        ink = np.array([25, 40, 150]) + [rng.uniform(-12, 12) for _ in range(3)]
    elif kind == "marker":
        ink = np.full(3, rng.uniform(5, 25))
    sheet = np.empty((height, width, 3), np.float32)
    sheet[:] = colour
    if kind in ("lined", "squared"):
        mask = Image.new("L", (width, height), 0)
        draw = ImageDraw.Draw(mask)
        slope = math.tan(math.radians(rng.uniform(-2.5, 2.5)))
        line = max(1, round(min(width, height) / 350))
        blue = np.array([140, 178, 228]) + [rng.uniform(-10, 10) for _ in range(3)]
        if kind == "lined":
            step, rule = rng.uniform(0.04, 0.08) * height, blue
        else:
            step = rng.uniform(0.03, 0.06) * min(width, height)
            rule = blue if rng.random() < 0.5 else np.full(3, rng.uniform(165, 190))
        y = rng.uniform(0, step) - width * abs(slope)
        while y < height + width * abs(slope):
            draw.line([(0, y), (width, y + slope * width)], fill=255, width=line)
            y += step
        x = rng.uniform(0, step) - height * abs(slope)
        while kind == "squared" and x < width + height * abs(slope):
            draw.line([(x, 0), (x - slope * height, height)], fill=255, width=line)
            x += step
        m = np.asarray(mask.filter(ImageFilter.GaussianBlur(0.6)), np.float32)[..., None] / 255 * rng.uniform(0.5, 0.8)
        sheet = sheet * (1 - m) + rule * m
        if kind == "lined" and rng.random() < 0.6:  # a red margin line
            margin = Image.new("L", (width, height), 0)
            x = rng.uniform(0.08, 0.18) * width
            ImageDraw.Draw(margin).line([(x, 0), (x - slope * height, height)], fill=255, width=line + 1)
            m = np.asarray(margin.filter(ImageFilter.GaussianBlur(0.6)), np.float32)[..., None] / 255 * 0.7
            sheet = sheet * (1 - m) + np.array([225, 105, 110]) * m
    return sheet, ink


def perspective_coeffs(dst, src) -> list[float]:
    """Pillow's PERSPECTIVE coefficients taking output points `dst` to input points `src`."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        rhs += [u, v]
    return np.linalg.solve(np.array(rows, float), np.array(rhs, float)).tolist()


def on_table(photo: Image.Image, kind: str, rng: random.Random, noise: np.random.Generator) -> np.ndarray:
    """The sheet seen on a table: tilted in perspective (tilt) or lying flat, turned a little (desk)."""
    width, height = photo.size
    corners = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
    if kind == "tilt":
        angle = math.radians(rng.uniform(6, 20))
        near, axis, far_side = 1 - 0.8 * math.sin(angle), rng.randrange(2), rng.choice((-1.0, 1.0))
        if axis == 0:  # the top or bottom edge further away: narrower, and the sheet foreshortened
            corners = [(x * (near if y == far_side else 1), y * math.cos(angle)) for x, y in corners]
        else:
            corners = [(x * math.cos(angle), y * (near if x == far_side else 1)) for x, y in corners]
        scale, turn = rng.uniform(0.78, 0.92), math.radians(rng.uniform(-5, 5))
        desk = np.array(rng.choice([(125, 88, 58), (92, 92, 98), (52, 46, 42), (70, 96, 78), (150, 130, 110)]), np.float32)
    else:
        scale, turn = rng.uniform(0.6, 0.85), math.radians(rng.uniform(-8, 8))
        desk = np.array([60, 40, 30], np.float32) + rng.uniform(-15, 15) + [rng.uniform(-4, 4) for _ in range(3)]
    cx = width / 2 + rng.uniform(-1, 1) * (1 - scale) * width * 0.35
    cy = height / 2 + rng.uniform(-1, 1) * (1 - scale) * height * 0.35
    dst = []
    for x, y in corners:
        x, y = x * scale * width / 2, y * scale * height / 2
        dst.append((cx + x * math.cos(turn) - y * math.sin(turn), cy + x * math.sin(turn) + y * math.cos(turn)))
    coeffs = perspective_coeffs(dst, [(0, 0), (width, 0), (width, height), (0, height)])
    sheet = np.asarray(photo.transform(photo.size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC), np.float32)
    mask = Image.new("L", photo.size, 255).transform(photo.size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR)
    m = np.asarray(mask, np.float32)[..., None] / 255
    grain = Image.fromarray(noise.normal(0, 1, (max(2, height // 40), max(2, width // 6))).astype(np.float32))
    grain = np.asarray(grain.resize(photo.size, Image.Resampling.BICUBIC))[..., None]  # streaks, as wood or cloth
    table = desk + 10 * grain + noise.normal(0, 4, (height, width, 1))
    return sheet * m + table * (1 - m)


@functools.lru_cache(maxsize=1)
def page_fields() -> tuple[np.ndarray, ...]:
    """Paper texture and uneven light from scikit-image's two photos of pages, their text closed away."""
    from skimage import data, filters, morphology
    fields = []
    for picture in (data.page(), data.text()):
        clean = morphology.closing(picture, morphology.footprint_rectangle((15, 15))).astype(np.float32)
        clean = filters.gaussian(clean, sigma=5, preserve_range=True).astype(np.float32)
        fields.append(np.maximum(clean, 8) / clean.mean())
    return tuple(fields)


def page_texture(rng: random.Random, width: int, height: int) -> np.ndarray:
    field = rng.choice(page_fields())
    ph, pw = field.shape
    ch = rng.uniform(0.5, 1.0) * ph
    cw = min(pw, ch * width / height)
    ch = cw * height / width
    x0, y0 = rng.uniform(0, pw - cw), rng.uniform(0, ph - ch)
    crop = Image.fromarray(field).resize((width, height), Image.Resampling.BICUBIC, box=(x0, y0, x0 + cw, y0 + ch))
    crop = np.asarray(crop)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.clip(1 + rng.uniform(0.8, 1.3) * (crop / crop.mean() - 1), 0.3, 1.4)


def shadow_mask(rng: random.Random, width: int, height: int, letter: tuple[float, float]) -> Image.Image:
    """A hand, a phone or a large round shadow reaching in from one edge, half the time towards the letter
    (its centre `letter`, as fractions of the width and height) and often over part of it."""
    mask = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mask)
    side, along = rng.randrange(4), rng.uniform(0.15, 0.85)
    depth = rng.uniform(0.15, 0.45)
    if rng.random() < 0.5:
        lx, ly = letter
        side = min(range(4), key=lambda k: (ly, 1 - lx, 1 - ly, lx)[k])  # the edge nearest the letter
        along = min(0.95, max(0.05, (lx if side % 2 == 0 else ly) + rng.uniform(-0.15, 0.15)))
        depth = (ly, 1 - lx, 1 - ly, lx)[side] * rng.uniform(0.8, 1.3)
    edge = [(along * width, 0), (width, along * height), (along * width, height), (0, along * height)][side]
    inward = [(0, 1), (-1, 0), (0, -1), (1, 0)][side]
    reach = depth * (height if side % 2 == 0 else width)
    cx, cy = edge[0] + inward[0] * reach * 0.4, edge[1] + inward[1] * reach * 0.4
    shape = rng.choice(("hand", "phone", "ellipse"))
    if shape == "ellipse":
        rx, ry = rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height
        cx, cy = edge[0] - inward[0] * rx * 0.4, edge[1] - inward[1] * ry * 0.4
        draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=255)
        return mask
    if shape == "hand":  # a smooth irregular blob with an arm running off the edge
        radius, waves = reach * rng.uniform(0.6, 0.9), [(rng.uniform(0, 0.18), rng.uniform(0, 2 * math.pi)) for _ in range(3)]
        bumps = [1 + sum(a * math.cos((w + 1) * 2 * math.pi * k / 48 + phase) for w, (a, phase) in enumerate(waves)) for k in range(48)]
        points = [(cx + radius * b * math.cos(2 * math.pi * k / 48), cy + radius * b * math.sin(2 * math.pi * k / 48)) for k, b in enumerate(bumps)]
        draw.polygon(points, fill=255)
        arm = radius * rng.uniform(0.5, 0.8)
        far = (edge[0] - inward[0] * 3 * arm, edge[1] - inward[1] * 3 * arm)
        draw.line([(cx, cy), far], fill=255, width=round(2 * arm))
        return mask
    long_side, short_side, turn = reach * rng.uniform(1.6, 2.4), reach * rng.uniform(0.5, 0.8), rng.uniform(0, math.pi)
    corners = [(-long_side, -short_side), (long_side, -short_side), (long_side, short_side), (-long_side, short_side)]
    draw.polygon([(cx + x * math.cos(turn) - y * math.sin(turn), cy + x * math.sin(turn) + y * math.cos(turn))
                  for x, y in corners], fill=255)
    return mask


def light_field(kind: str, rng: random.Random, width: int, height: int, letter: tuple[float, float]) -> np.ndarray:
    """Multiplicative light (H, W): a slight ramp, and the kind's own ramp, vignette, shadow or page."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    xx, yy = xx / width - 0.5, yy / height - 0.5
    angle = rng.uniform(0, 2 * math.pi)
    t = xx * math.cos(angle) + yy * math.sin(angle)
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    field = 1 - (rng.uniform(20, 45) if kind == "ramp" else rng.uniform(3, 12)) / 255 * t
    if kind == "vignette":
        ox, oy = rng.uniform(-0.08, 0.08), rng.uniform(-0.08, 0.08)
        radius = ((xx - ox) ** 2 + (yy - oy) ** 2) / 0.5
        field = field * (1 - rng.uniform(0.25, 0.5) * np.clip(radius, 0, 1.3) ** rng.uniform(1.0, 1.5))
    elif kind == "shadow":
        mask = shadow_mask(rng, width, height, letter).filter(ImageFilter.GaussianBlur(rng.uniform(2, 6)))
        field = field * (1 - rng.uniform(0.3, 0.55) * np.asarray(mask, np.float32) / 255)
    elif kind == "page-texture":
        field = field * page_texture(rng, width, height)
    return field


def make_photo(coverage: np.ndarray, kind: str, rng: random.Random, max_side: int | None) -> tuple[Image.Image, int]:
    """One photo of the letter and the JPEG quality to save it at."""
    noise = np.random.default_rng(rng.getrandbits(64))
    small = kind == "small"
    long_side = rng.randint(800, 1200) if small else rng.randint(320, 800)
    ratio = rng.choice((1.0, 4 / 3, 3 / 2, 16 / 9))
    width, height = long_side, round(long_side / ratio)
    if rng.random() < 0.5:
        width, height = height, width
    letter = rng.uniform(0.08, 0.15) if small else rng.uniform(0.25, 0.6)
    strokes = stroke_map(coverage, kind, rng)
    factor = letter * min(width, height) / WORK
    strokes = strokes.resize((max(1, round(strokes.width * factor)), max(1, round(strokes.height * factor))), Image.Resampling.BICUBIC)
    strokes = strokes.crop((0, 0, min(strokes.width, width), min(strokes.height, height)))
    x0, y0 = rng.randint(0, width - strokes.width), rng.randint(0, height - strokes.height)
    centre = ((x0 + strokes.width / 2) / width, (y0 + strokes.height / 2) / height)
    ink_cover = np.zeros((height, width), np.float32)
    ink_cover[y0:y0 + strokes.height, x0:x0 + strokes.width] = np.asarray(strokes, np.float32) / 255
    if kind == "pencil":  # graphite: grainy, never full cover
        grain = Image.fromarray(np.round(255 * np.clip(noise.normal(0.8, 0.3, (height, width)), 0, 1)).astype(np.uint8))
        ink_cover *= np.asarray(grain.filter(ImageFilter.GaussianBlur(0.5)), np.float32) / 255 * rng.uniform(0.75, 0.95)
    sheet, ink = paper(kind, rng, width, height)
    pixels = sheet * (1 - ink_cover[..., None]) + ink * ink_cover[..., None]
    if kind in ("tilt", "desk"):
        pixels = on_table(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)), kind, rng, noise)
    pixels = pixels * light_field(kind, rng, width, height, centre)[..., None]
    photo = Image.fromarray(np.clip(np.round(pixels), 0, 255).astype(np.uint8))
    photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(1.5, 3.0) if kind == "blur" else rng.uniform(0.3, 0.8)))
    if max_side and max(photo.size) > max_side:
        shrink = max_side / max(photo.size)
        photo = photo.resize((round(photo.width * shrink), round(photo.height * shrink)), Image.Resampling.LANCZOS)
    sigma = rng.uniform(2, 4)
    shape = (photo.height, photo.width)
    grain = 0.8 * noise.normal(0, sigma, (*shape, 1)) + 0.6 * noise.normal(0, sigma, (*shape, 3))
    return Image.fromarray(np.clip(np.round(np.asarray(photo, np.float32) + grain), 0, 255).astype(np.uint8)), rng.randint(60, 92)


def make_plan(args, kinds: tuple[str, ...]) -> list[tuple[str, str, int, object, str]]:
    """(source, letter, number, what to draw, kind) for every photo, in the order they are made."""
    plan = []
    if args.slice or args.quick:  # two photos per class and kind, the sources taking turns
        pools = {(s, c): pick(s, c, 2 * len(kinds), args.seed) for s in SOURCES for c in CLASSES}
        used = dict.fromkeys(pools, 0)
        for k, kind in enumerate(kinds):
            for c, letter in enumerate(CLASSES):
                for j in range(2):
                    source = SOURCES[(2 * k + j + c) % len(SOURCES)]
                    number, ref = pools[source, letter][used[source, letter]]
                    used[source, letter] += 1
                    plan.append((source, letter, number, ref, kind))
        return plan
    for s, source in enumerate(SOURCES):
        for c, letter in enumerate(CLASSES):
            for j, (number, ref) in enumerate(pick(source, letter, args.per_source or DEFAULT_COUNT[source], args.seed)):
                plan.append((source, letter, number, ref, kinds[(j + 5 * s + 7 * c) % len(kinds)]))
    return plan


def parse_kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"unknown kind {', '.join(unknown) or '(none)'}; choose from {', '.join(KINDS)}")
    return kinds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="a new (or empty) folder for the photos")
    parser.add_argument("--seed", type=int, default=0)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--per-source", type=int, metavar="N", help="letters per source and class (default: all handwriting, "
                      f"{DEFAULT_COUNT['real']} real, {DEFAULT_COUNT['gen']} generated)")
    size.add_argument("--slice", action="store_true", help=f"the small set kept in git: 2 photos per class and kind, at most {SLICE_SIDE} px")
    size.add_argument("--quick", action="store_true", help=f"a smoke test: 2 photos per class for 3 kinds ({', '.join(QUICK_KINDS)})")
    parser.add_argument("--kinds", type=parse_kinds, help=f"comma-separated, from {', '.join(KINDS)} (default: all)")
    args = parser.parse_args(argv)
    if args.per_source is not None and args.per_source < 1:
        parser.error("--per-source must be at least 1")
    out: Path = args.out
    kinds = args.kinds or KINDS
    if args.quick:
        kinds = kinds[:3] if args.kinds else QUICK_KINDS
    max_side = SLICE_SIDE if args.slice or args.quick else None
    start = time.monotonic()
    with new_folder(out) as temporary:  # a new or empty folder, filled whole or not at all
        plan = make_plan(args, kinds)
        for letter in CLASSES:
            (temporary / letter).mkdir(parents=True)
        rows = []
        for index, (source, letter, number, ref, kind) in enumerate(plan):
            photo_seed = args.seed * 1_000_003 + index
            photo, quality = make_photo(letter_coverage(source, letter, ref), kind, random.Random(photo_seed), max_side)
            name = f"{letter}/{source}-{number:04d}-{kind}.jpg"
            photo.save(temporary / name, "JPEG", quality=quality)
            rows.append((name, letter, source, kind, photo_seed))
            if (index + 1) % 200 == 0:
                print(f"{index + 1}/{len(plan)} photos, {time.monotonic() - start:.0f} s", flush=True)
        with open(temporary / "manifest.csv", "w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(("file", "letter", "source", "kind", "seed"))
            writer.writerows(rows)
    print(f"wrote {len(rows)} photos to {out} ({len(kinds)} kinds) in {time.monotonic() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(run_script(main))
