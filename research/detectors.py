"""Sizes of the none-of-the-letters detector, screened on generated data; real letters only checked.

Every arm changes the base NoveltyConfig by FIELD=VALUE[,...] and trains one detector on the same
generated letters (its threshold set, as always, on fresh generated letters at `false_alarm`). The
table gives its seconds; the share of held-out generated near misses it flags (what chooses, with the
time); the share it flags of data/nonletters (real characters that are no A, B or C), of four drawn
shapes (a smiley, a star, a triangle, a scribble), and of data/handwriting, data/real and data/photos
(real letters: a false alarm there is a cost). The figures in docs/results.md:

    python research/detectors.py --count 300000 --arms base hidden=128 hidden=128,count=144000 --out detectors.json
    python research/detectors.py --quick                # the smoke test's size: seconds
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import torch
from PIL import Image, ImageDraw

from letters.checks import with_changes
from letters.config import DatasetConfig, GeneratorConfig, NoveltyConfig
from letters.drawing.generator import generate_tensors, local_workers
from letters.errors import LettersError, run_script
from letters.files import atomic_file, check_output_file
from letters.inputs.imagefolder import read_image_folder
from letters.inputs.images import find_images, open_image
from letters.inputs.preprocess import preprocess
from letters.inputs.tensors import image_tensor
from letters.network.model import LetterMLP, ModelDims
from letters.network.novelty import novelty_scores, train_novelty

ROOT = Path(__file__).resolve().parent.parent
LETTER_SETS = ("data/handwriting", "data/real", "data/photos")
NON_LETTERS = "data/nonletters"


def shapes() -> torch.Tensor:
    """(4, 28, 28) uint8: a smiley, a five-pointed star, a triangle and a scribble, drawn at 300 px."""
    out = []
    for shape in ("smiley", "star", "triangle", "scribble"):
        image = Image.new("L", (300, 300), 255)
        draw = ImageDraw.Draw(image)
        if shape == "smiley":
            draw.ellipse((40, 40, 260, 260), outline=0, width=12)
            draw.ellipse((100, 100, 125, 125), fill=0)
            draw.ellipse((175, 100, 200, 125), fill=0)
            draw.arc((90, 110, 210, 220), 20, 160, fill=0, width=12)
        elif shape == "star":
            draw.line([(150, 20), (185, 120), (290, 120), (205, 180), (240, 280), (150, 215), (60, 280), (95, 180),
                       (10, 120), (115, 120), (150, 20)], fill=0, width=10)
        elif shape == "triangle":
            draw.line([(150, 30), (270, 260), (30, 260), (150, 30)], fill=0, width=12)
        else:
            draw.line([(40, 200), (120, 40), (160, 250), (220, 60), (260, 230), (80, 120), (250, 130)], fill=0, width=10)
        out.append(image_tensor(preprocess(image)[0]))
    return torch.stack(out)


def folder(path: str, limit: int | None = None) -> torch.Tensor:
    """Preprocessed images of the readable files under ROOT/`path` (N, 28, 28) uint8; the first
    `limit` of them when given."""
    if limit is None and (ROOT / path / "A").is_dir():
        return read_image_folder(ROOT / path)[0]
    images = []
    for file in find_images([ROOT / path])[0][:limit]:
        try:
            images.append(image_tensor(preprocess(open_image(file))[0]))
        except LettersError:
            continue
    return torch.stack(images)


def run(arm: str, base: NoveltyConfig, letters: dict, checks: dict) -> dict:
    config = with_changes(base, arm)
    started = time.perf_counter()
    entry = train_novelty(letters["images"], letters["is_val"], config, GeneratorConfig(), "cpu", local_workers())
    seconds = time.perf_counter() - started
    detector = LetterMLP(ModelDims.from_dict(entry["dims"]))
    detector.load_state_dict(entry["model_state_dict"])
    detector.eval()
    flagged = {name: float((novelty_scores(detector, images) >= entry["threshold"]).float().mean())
               for name, images in checks.items()}
    return {"arm": arm, "config": asdict(config), "seconds": round(seconds, 1), "threshold": entry["threshold"],
            "near_misses_flagged": entry["calibration"]["non_letters_flagged"], "flagged": flagged}


def line(result: dict) -> str:
    flagged = "  ".join(f"{100 * v:6.1f}" for v in result["flagged"].values())
    return f"{result['arm']:<34} {result['seconds']:>6.0f} {100 * result['near_misses_flagged']:>6.1f}  {flagged}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300_000, help="generated letters (a tenth held out)")
    parser.add_argument("--arms", nargs="+", default=["base"], help="FIELD=VALUE[,...] changes of NoveltyConfig")
    parser.add_argument("--out", help="write every figure here as JSON")
    parser.add_argument("--quick", action="store_true", help="a tiny run for the smoke test")
    args = parser.parse_args(argv)
    if args.out:
        check_output_file(args.out, "--out ")
    base = NoveltyConfig()
    if args.quick:
        args.count, base = 600, NoveltyConfig(count=300, hidden=(16,), epochs=1, augment=0.0)
    letters = generate_tensors(DatasetConfig(count=args.count, seed=0, workers=local_workers()))
    limit = 6 if args.quick else None
    checks = {NON_LETTERS: folder(NON_LETTERS, limit), "shapes": shapes(),
              **{name: folder(name, limit) for name in LETTER_SETS}}
    print(f"{'arm':<34} {'sec':>6} {'near%':>6}  " + "  ".join(f"{Path(n).name[:6]:>6}" for n in checks))
    results = []
    for arm in args.arms:
        results.append(run(arm, base, letters, checks))
        print(line(results[-1]), flush=True)
    if args.out:
        with atomic_file(args.out, "w", encoding="utf-8") as f:
            f.write(json.dumps({"count": args.count, "base": asdict(base), "arms": results}, indent=1))


if __name__ == "__main__":
    sys.exit(run_script(main))
