"""Build data/nonletters: drawings that are none of A, B and C, for measuring the `unsure` signal.

Never used for training (the detector learns from generated near misses only). Sources:
  - every installed font with Latin glyphs (`fc-list`): other capitals, digits, lowercase;
  - the Hershey stroke fonts (pip package Hershey-Fonts), drawn as pen paths;
  - mouse-like drawings traced here by hand: circles, an 8, a D, a lowercase a, scribbles;
  - noise: random specks and grain.

    python scripts/make_nonletter_set.py --out data/nonletters
    python scripts/make_nonletter_set.py --quick --out /tmp/nonletters   # a smoke test: 2 fonts, one size, 3 noises
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from make_real_set import HERSHEY, QUICK_FONTS, draw_font, draw_paths, font_files, hershey_paths
from PIL import Image

from letters.errors import run_script
from letters.files import new_folder

CHARACTERS = "DEOPR8036Gae"  # the near misses people ask about first: round, bowled or barred shapes
SIZE = 64
MOUSE_SIZES = ((64, 3.0), (120, 8.0), (240, 9.0))  # (pixels, pen width) of each mouse drawing

MOUSE = {  # point paths in a 100x100 box, as a person drags a mouse
    "circle": [[(50, 5), (80, 15), (95, 50), (80, 85), (50, 95), (20, 85), (5, 50), (20, 15), (52, 6)]],
    "eight": [[(50, 50), (25, 35), (30, 10), (50, 4), (70, 10), (75, 35), (50, 50), (22, 68), (28, 92), (50, 97),
               (72, 92), (78, 68), (50, 50)]],
    "D": [[(20, 5), (20, 95)], [(20, 5), (60, 8), (85, 35), (85, 65), (60, 92), (20, 95)]],
    "a": [[(75, 40), (50, 28), (25, 40), (20, 70), (40, 95), (65, 85), (75, 60)], [(75, 30), (78, 97)]],
    "scribble": [[(10, 50), (30, 20), (45, 70), (60, 15), (75, 80), (90, 30)]],
    "zigzag": [[(5, 20), (90, 25), (10, 50), (92, 55), (8, 80), (95, 88)]],
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/nonletters"), help="a new (or empty) folder for the set")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_FONTS} fonts, one Hershey font, mouse drawings at one "
                        "size and 3 noise images: a smoke test, not the set")
    args = parser.parse_args(argv)
    with new_folder(args.out) as folder:
        counts = write_set(folder, args.quick)
    print(f"wrote {sum(counts.values())} files to {args.out}: {counts}")


def write_set(folder: Path, quick: bool) -> dict[str, int]:
    counts = {"font": 0, "stroke": 0, "mouse": 0, "noise": 0}
    fonts, hershey = (font_files()[:QUICK_FONTS], HERSHEY[:1]) if quick else (font_files(), HERSHEY)
    sizes = MOUSE_SIZES[:1] if quick else MOUSE_SIZES

    def save(coverage: Image.Image, stem: str) -> None:  # black ink on white paper
        Image.eval(coverage, lambda v: 255 - v).save(folder / f"{stem}.png")

    for path in fonts:
        for k, char in enumerate(CHARACTERS):
            image = draw_font(path, char, SIZE)
            if image is not None and image.getbbox():
                save(image, f"font-{path.stem}-{k:02d}{char}")
                counts["font"] += 1
    try:
        for name in hershey:
            for k, char in enumerate(CHARACTERS):
                paths = hershey_paths(name, char)
                if paths:
                    save(draw_paths(paths, SIZE, 3.0), f"stroke-{name}-{k:02d}{char}")
                    counts["stroke"] += 1
    except ImportError:
        print("Hershey-Fonts not installed: stroke fonts skipped (pip install Hershey-Fonts)")
    rng = random.Random(2026)
    for name, paths in MOUSE.items():
        for size, width in sizes:
            save(draw_paths(paths, size, width, rng), f"mouse-{name}-{size}")
            counts["mouse"] += 1
    for k in range(3 if quick else 20):  # specks and grain: ink that is no drawing at all
        image = Image.new("L", (96, 96), 0)
        for _ in range(rng.randint(5, 400)):
            x, y = rng.randrange(96), rng.randrange(96)
            image.paste(rng.randint(120, 255), (x, y, x + rng.randint(1, 6), y + rng.randint(1, 6)))
        save(image, f"noise-{k:02d}")
        counts["noise"] += 1
    return counts


if __name__ == "__main__":
    sys.exit(run_script(main))
