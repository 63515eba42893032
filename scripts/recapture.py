"""The same real letters captured other ways: what each way of capturing a hand costs a model.

A scan is one way to capture handwriting; a tablet stylus, a felt pen, a coarse scan and a crop
from joined-up writing are others. Each letter of an ImageFolder set (default data/handwriting, 597 scanned letters) is
captured again as each of these, written as PNG files and read back the way `letters classify`
reads any file, so only the capture differs, never the writer or the letter:

  scan         as it is
  stylus       its centre line drawn 1 px wide on a 224 px canvas, black on white: a tablet pen trace
  stylus-3px   the same centre line 3 px wide
  stylus-112   2 px wide on a 112 px canvas, white on black
  felt         every stroke a pixel bolder all round (3x3 max filter): a felt pen
  small        at half the resolution, 14x14: a small letter on a coarse scan
  blur         Gaussian blur of 1.2 px: an out-of-focus scan
  joined       a crop from joined-up writing: the pen runs on from the letter's lowest right point
               to the next letter, off the crop's right edge, as wide as the letter's own strokes

The centre line is the scikit-image skeleton of the letter scaled up 8x (or 4x) with bicubic
resampling and cut at half its ink. A filled bowl has no centre line of its own, so a stylus copy
of a very heavy letter can be harder to read than any stylus would make it: the figures bound
what a stylus costs rather than measure one. The real letters are measured, never trained on.

    pip install -e ".[measure]"   # scikit-image, for the centre lines
    python scripts/recapture.py [--model FILE] [--set DIR] [--out DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from eval_real import ROOT, load, wilson  # the real sets, read the same way (scripts/ is on the path when run)
from PIL import Image, ImageDraw, ImageFilter

from letters.checkpoint import load_model
from letters.errors import LettersError
from letters.predict import probabilities
from letters.shipped import DEFAULT_MODEL


def centre_line(ink: np.ndarray, zoom: int) -> np.ndarray:
    """(H, W) uint8 ink-high image -> (H*zoom, W*zoom) bool centre line (one pixel wide)."""
    from skimage.morphology import skeletonize

    big = Image.fromarray(ink).resize((ink.shape[1] * zoom, ink.shape[0] * zoom), Image.Resampling.BICUBIC)
    return skeletonize(np.asarray(big) > int(ink.max()) // 2)


def stylus(ink: np.ndarray, zoom: int, width: int, dark_on_light: bool) -> Image.Image:
    """The centre line drawn as a pen of `width` pixels, on paper of either polarity."""
    line = centre_line(ink, zoom)
    canvas = Image.new("L", (line.shape[1], line.shape[0]), 0)
    draw, r = ImageDraw.Draw(canvas), width / 2
    for y, x in zip(*np.nonzero(line)):
        if width == 1:
            draw.point((int(x), int(y)), 255)
        else:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return Image.eval(canvas, lambda v: 255 - v) if dark_on_light else canvas


def joined(ink: np.ndarray, zoom: int = 8) -> Image.Image:
    """The letter with a ligature to a next letter beyond the crop: from the rightmost ink in the
    lowest 35% of the letter, a quadratic that dips and then rises to 45% of the letter's height
    at the edge of a canvas a quarter wider. Drawn at `zoom` times the size, then scaled back."""
    h, w = ink.shape
    ys, xs = np.nonzero(ink > int(ink.max()) // 2)
    top, bottom = int(ys.min()), int(ys.max())
    low = ys >= top + 0.65 * (bottom - top)
    i = int(np.argmax(np.where(low, xs, -1)))
    pen = max(1.0, float(low.size) / max(1, int(centre_line(ink, 1).sum())))  # ink area / centre-line length
    canvas = Image.new("L", (int(w * 1.25) * zoom, h * zoom), 0)
    canvas.paste(Image.fromarray(ink).resize((w * zoom, h * zoom), Image.Resampling.BICUBIC), (0, 0))
    (sx, sy), (ex, ey) = (xs[i] * zoom, ys[i] * zoom), (canvas.width - 1, (top + 0.45 * (bottom - top)) * zoom)
    cx, cy = sx + 0.3 * (ex - sx), sy + 0.1 * (bottom - top) * zoom
    t = np.linspace(0.0, 1.0, 40)[:, None]
    points = (1 - t) ** 2 * np.array([sx, sy]) + 2 * (1 - t) * t * np.array([cx, cy]) + t ** 2 * np.array([ex, ey])
    ImageDraw.Draw(canvas).line([tuple(p) for p in points], fill=255, width=round(pen * zoom), joint="curve")
    return canvas.resize((int(w * 1.25), h), Image.Resampling.BILINEAR)


def ink_high(image: Image.Image) -> np.ndarray:
    """Grey with the ink high, whatever the file's polarity (paper judged by the border)."""
    a = np.asarray(image.convert("L"))
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    return 255 - a if np.median(border) > 127 else a


CAPTURES = {
    "scan": lambda a: Image.fromarray(a),
    "stylus": lambda a: stylus(a, 8, 1, True),
    "stylus-3px": lambda a: stylus(a, 8, 3, True),
    "stylus-112": lambda a: stylus(a, 4, 2, False),
    "felt": lambda a: Image.fromarray(a).filter(ImageFilter.MaxFilter(3)),
    "small": lambda a: Image.fromarray(a).resize((a.shape[1] // 2, a.shape[0] // 2), Image.Resampling.BILINEAR),
    "blur": lambda a: Image.fromarray(a).filter(ImageFilter.GaussianBlur(1.2)),
    "joined": joined,
}


def recapture(source: Path, out: Path) -> int:
    """Write out/<capture>/<class>/<name>.png for every image of the ImageFolder `source`."""
    files = sorted(p for p in source.glob("*/*") if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    if not files:
        raise LettersError(f"{source} holds no A/, B/, C/ images")
    for path in files:
        with Image.open(path) as image:
            ink = ink_high(image)
        for name, capture in CAPTURES.items():
            target = out / name / path.parent.name / (path.stem + ".png")
            target.parent.mkdir(parents=True, exist_ok=True)
            capture(ink).save(target)
    return len(files)


def score(model, classes, folder: Path) -> dict:
    _, images, truth = load(folder)
    index = torch.tensor([classes.index(t) for t in truth])
    probs = probabilities(model, images)
    right = probs.argmax(1) == index
    k, n = int(right.sum()), len(right)
    return {"correct": k, "n": n, "accuracy": round(k / n, 4), "interval": [round(v, 4) for v in wilson(k, n)],
            "cross_entropy": round(float(-probs[torch.arange(n), index].clamp_min(1e-12).log().mean()), 4),
            "per_class": {c: round(float(right[index == i].float().mean()), 4) for i, c in enumerate(classes)
                          if bool((index == i).any())}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--set", type=Path, default=ROOT / "data" / "handwriting", help="an ImageFolder of real letters")
    parser.add_argument("--out", type=Path, help="keep the re-captured letters here (a new or empty folder)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.out is not None and args.out.exists() and (not args.out.is_dir() or any(args.out.iterdir())):
        raise LettersError(f"--out {args.out} exists and is not an empty folder; nothing was written")
    model, checkpoint = load_model(args.model)
    classes = checkpoint["classes"]
    with tempfile.TemporaryDirectory() as scratch:
        out = args.out or Path(scratch)
        recapture(args.set, out)
        rows = {name: score(model, classes, out / name) for name in CAPTURES}
    if args.json:
        print(json.dumps({"model": str(args.model), "set": str(args.set), "captures": rows}, indent=2))
        return
    print(f"model: {args.model}\nset: {args.set}")
    for name, row in rows.items():
        low, high = row["interval"]
        per_class = " ".join(f"{c} {v:.2%}" for c, v in row["per_class"].items())
        print(f"  {name:11s} {row['correct']:4d}/{row['n']:<4d} = {row['accuracy']:.2%} [{low:.2%}-{high:.2%}]  "
              f"{per_class}  cross-entropy {row['cross_entropy']:.3f}")


if __name__ == "__main__":
    try:
        main()
    except LettersError as error:  # a missing model, an empty set, an --out in use: one line, no traceback
        sys.exit(f"recapture: {error.cli_line}")
    except ImportError as error:
        sys.exit(f"recapture: {error.name} is missing; pip install -e \".[measure]\"")
