"""The same real letters captured other ways: what each way of capturing a hand costs a model.

A scan is one way to capture handwriting; a tablet stylus, a felt pen, a coarse scan and a crop
from joined-up writing are others. Each letter of an ImageFolder set (default data/handwriting,
the scanned EMNIST letters) is first put in the model's 28x28 frame by the one preprocessing
function, then captured again each of these ways, written as PNG files and scored by
`letters evaluate`'s own code, so only the capture differs, never the writer or the letter:

  scan         the letter as the model sees it
  stylus       its centre line drawn 1 px wide on a 224 px canvas, dark on light: a tablet pen trace
  stylus-3px   the same centre line 3 px wide
  stylus-112   2 px wide on a 112 px canvas, light on dark
  felt         every stroke a pixel bolder all round (3x3 max filter): a felt pen
  small        at half the resolution, 14x14: a small letter on a coarse scan
  blur         Gaussian blur of 1.2 px: an out-of-focus scan
  joined       a crop from joined-up writing: the pen runs on from the letter's lowest right point
               to the next letter, off the crop's right edge, as wide as the letter's own strokes

The centre line is the scikit-image skeleton of the letter scaled up 8x (or 4x) with bicubic
resampling and cut at half its ink. A filled bowl has no centre line of its own, so a stylus copy
of a very heavy letter can be harder to read than a stylus would make it: the figures bound what a
stylus costs rather than measure one. The joined ligature follows the rule the generator's own
ligature was built from (strokes.exit_stroke), so a model trained with ligatures reads these
partly by construction. Real letters are only measured here, never trained on.

    pip install -e ".[measure]"   # scikit-image, for the centre lines
    python research/recapture.py [--model FILE] [--set DIR] [--out DIR] [--json]
    python research/recapture.py --quick      # a smoke test: the first 5 letters of each class
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from letters.alphabet import CLASSES
from letters.errors import LettersError, run_script
from letters.inputs.imagefolder import is_image_folder, read_image_folder
from letters.network.checkpoint import load_model
from letters.network.predict import evaluate_folder
from letters.network.shipped import DEFAULT_MODEL
from letters.study.stats import wilson

ROOT = Path(__file__).resolve().parent.parent
ZOOM = 8  # the stylus canvas: 28 px * 8 = 224 px, a letter about 160 px tall, as a tablet records it
LOW = 0.65  # the ligature leaves from the rightmost ink below this share of the letter's height
P_FLOOR = 1e-4  # P(true) as evaluate rounds it (4 decimals), floored for the cross-entropy
QUICK_LETTERS = 5  # --quick: the first letters of each class


def centre_line(ink: np.ndarray, zoom: int) -> np.ndarray:
    """(H, W) uint8 ink-high image -> (H*zoom, W*zoom) bool centre line, one pixel wide."""
    from skimage.morphology import skeletonize

    big = Image.fromarray(ink).resize((ink.shape[1] * zoom, ink.shape[0] * zoom), Image.Resampling.BICUBIC)
    return skeletonize(np.asarray(big) > int(ink.max()) // 2)


def stylus(ink: np.ndarray, zoom: int, width: int, dark_on_light: bool) -> Image.Image:
    """The centre line drawn with a round pen `width` pixels across, on paper of either polarity."""
    line = centre_line(ink, zoom)
    canvas = Image.new("L", (line.shape[1], line.shape[0]), 0)
    draw, r = ImageDraw.Draw(canvas), (width - 1) / 2  # Pillow's ellipse box is inclusive: 2r + 1 pixels
    for y, x in zip(*np.nonzero(line)):
        if width == 1:
            draw.point((int(x), int(y)), 255)
        else:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return Image.eval(canvas, lambda v: 255 - v) if dark_on_light else canvas


def joined(ink: np.ndarray, zoom: int = ZOOM) -> Image.Image:
    """The letter with a ligature to a next letter beyond the crop: from the rightmost ink in the
    letter's lowest 35%, a quadratic that dips and then rises to 45% of the letter's height at the
    edge of a canvas a quarter wider. Drawn at `zoom` times the size, then scaled back."""
    h, w = ink.shape
    ys, xs = np.nonzero(ink > int(ink.max()) // 2)
    top, bottom = int(ys.min()), int(ys.max())
    low = ys >= top + LOW * (bottom - top)
    i = int(np.argmax(np.where(low, xs, -1)))
    pen = max(1.0, len(xs) / max(1, int(centre_line(ink, 1).sum())))  # ink area / centre-line length
    canvas = Image.new("L", (math.ceil(w * 1.25) * zoom, h * zoom), 0)
    canvas.paste(Image.fromarray(ink).resize((w * zoom, h * zoom), Image.Resampling.BICUBIC), (0, 0))
    (sx, sy), (ex, ey) = (xs[i] * zoom, ys[i] * zoom), (canvas.width - 1, (top + 0.45 * (bottom - top)) * zoom)
    cx, cy = sx + 0.3 * (ex - sx), sy + 0.1 * (bottom - top) * zoom
    t = np.linspace(0.0, 1.0, 40)[:, None]
    points = (1 - t) ** 2 * np.array([sx, sy]) + 2 * (1 - t) * t * np.array([cx, cy]) + t ** 2 * np.array([ex, ey])
    ImageDraw.Draw(canvas).line([(float(x), float(y)) for x, y in points], fill=255, width=round(pen * zoom), joint="curve")
    return canvas.resize((canvas.width // zoom, h), Image.Resampling.BILINEAR)


CAPTURES = {  # name -> (28, 28) uint8 ink-high letter in the model's frame -> the re-captured image
    "scan": lambda a: Image.fromarray(a),
    "stylus": lambda a: stylus(a, ZOOM, 1, True),
    "stylus-3px": lambda a: stylus(a, ZOOM, 3, True),
    "stylus-112": lambda a: stylus(a, ZOOM // 2, 2, False),
    "felt": lambda a: Image.fromarray(a).filter(ImageFilter.MaxFilter(3)),
    "small": lambda a: Image.fromarray(a).resize((a.shape[1] // 2, a.shape[0] // 2), Image.Resampling.BILINEAR),
    "blur": lambda a: Image.fromarray(a).filter(ImageFilter.GaussianBlur(1.2)),
    "joined": joined,
}


@dataclass
class CaptureScore:
    """One way of capturing the set, scored."""

    capture: str
    n: int
    correct: int
    accuracy: float
    interval: list  # 95% Wilson interval of the accuracy
    per_class: dict  # letter -> accuracy
    cross_entropy: float  # mean -log P(true), P floored at P_FLOOR: finer than accuracy between models


@dataclass
class Recapture:
    """`--json` prints this dataclass's asdict."""

    model: str
    set: str
    captures: list[CaptureScore] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)  # {"path", "error"}: source files that could not be used


def recapture(source: Path, out: Path, per_class: int | None = None) -> list[dict]:
    """Write out/<capture>/<class>/<file>.png for every usable image of the ImageFolder `source` (with
    `per_class`, the first so many of each class); returns {"path", "error"} for each file that could not be used."""
    if not source.is_dir() or not is_image_folder(source):
        raise LettersError(f"{source} is not a folder with A/, B/, C/ subfolders")
    images, labels, paths, failed = read_image_folder(source)
    if len(paths) == 0:
        raise LettersError(f"{source}: none of its images could be used" + (f" (first: {failed[0]['error']})" if failed else ""))
    taken = [0] * len(CLASSES)
    for image, label, path in zip(images.numpy(), labels.tolist(), paths):
        taken[label] += 1
        if per_class is not None and taken[label] > per_class:
            continue
        path = Path(path)
        name = path.stem + ("" if path.suffix.lower() == ".png" else "-" + path.suffix[1:].lower()) + ".png"
        for capture, make in CAPTURES.items():
            target = out / capture / CLASSES[label] / name
            target.parent.mkdir(parents=True, exist_ok=True)
            make(image).save(target)
    return failed


def score(model, classes, folder: Path, capture: str) -> CaptureScore:
    result = evaluate_folder(model, classes, folder / capture, worst=1 << 30)  # worst: every file, with its P(true)
    if result.failed:  # a capture this script made that the model cannot read is this script's bug
        raise LettersError(f"{capture}: {result.failed[0].path} could not be read back: {result.failed[0].error}")
    correct = round(result.accuracy * result.n)
    rate = wilson(correct, result.n)
    cross_entropy = sum(-math.log(max(item.probability_true, P_FLOOR)) for item in result.worst) / result.n
    return CaptureScore(capture, result.n, correct, round(result.accuracy, 4), [round(rate.low, 4), round(rate.high, 4)],
                        {c: round(v, 4) for c, v in result.per_class.items() if v is not None}, round(cross_entropy, 4))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--set", type=Path, default=ROOT / "data" / "handwriting", help="an ImageFolder of real letters")
    parser.add_argument("--out", type=Path, help="keep the re-captured letters here (a new or empty folder)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--quick", action="store_true", help=f"the first {QUICK_LETTERS} letters of each class: a smoke test, not the figures")
    args = parser.parse_args(argv)
    try:
        import skimage.morphology  # noqa: F401  (checked before anything is written)
    except ImportError:
        raise LettersError('scikit-image is missing; pip install -e ".[measure]"') from None
    if args.out is not None and (args.out.is_symlink() or (args.out.exists() and (not args.out.is_dir() or any(args.out.iterdir())))):
        raise LettersError(f"--out {args.out} exists and is not an empty folder; nothing was written")
    if args.out is not None and not args.out.parent.is_dir():
        raise LettersError(f"--out {args.out}: its folder {args.out.parent} does not exist; nothing was written")
    model, checkpoint = load_model(args.model)
    classes = checkpoint["classes"]
    # staged beside --out and renamed into place when whole, so a failure leaves nothing half-written
    parent = args.out.parent if args.out is not None else None
    with tempfile.TemporaryDirectory(dir=parent, prefix=f".{args.out.name}." if args.out else "recapture.") as staging:
        failed = recapture(args.set, Path(staging) / "captures", QUICK_LETTERS if args.quick else None)
        report = Recapture(str(args.model), str(args.set), [score(model, classes, Path(staging) / "captures", name)
                                                             for name in CAPTURES], failed)
        if args.out is not None:
            os.replace(Path(staging) / "captures", args.out)  # onto a missing or empty folder
    for item in failed:
        print(f"recapture: {item['path']}: {item['error']}", file=sys.stderr)
    if args.json:
        print(json.dumps(asdict(report), indent=2))
    else:
        print(f"model: {report.model}\nset: {report.set}")
        for row in report.captures:
            low, high = row.interval
            per_class = " ".join(f"{c} {v:.2%}" for c, v in row.per_class.items())
            print(f"  {row.capture:11s} {row.correct:4d}/{row.n:<4d} = {row.accuracy:.2%} [{low:.2%}-{high:.2%}]  "
                  f"{per_class}  cross-entropy {row.cross_entropy:.3f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run_script(main))
