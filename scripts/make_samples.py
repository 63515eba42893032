"""Write letters/network/assets/samples: hand-drawn-style letters that ship with the project for the demo.

Three per letter in different styles: a thin pen on white paper (PNG), a felt marker
on a transparent background with straight alpha (PNG), white chalk on a dark board
(JPEG). The paths were traced by hand with a mouse; a seeded jitter adds the tremor.

    python scripts/make_samples.py [--out letters/network/assets/samples]
"""

import argparse
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw

from letters.errors import run_script
from letters.files import atomic_file, check_output_folder

OUT = Path(__file__).resolve().parent.parent / "letters" / "network" / "assets" / "samples"
PATHS = {  # strokes as point lists in a 100x100 box
    "A": [[(12, 92), (31, 48), (49, 6)], [(49, 6), (66, 50), (88, 93)], [(24, 62), (76, 60)]],
    "B": [[(22, 6), (21, 94)], [(22, 6), (58, 6), (70, 17), (69, 36), (56, 47), (22, 48)],
          [(22, 48), (62, 48), (80, 60), (79, 84), (62, 94), (21, 94)]],
    "C": [[(80, 22), (66, 8), (46, 5), (26, 15), (15, 38), (15, 62), (26, 86), (46, 95), (66, 92), (82, 78)]],
}
STYLES = (("pen", 300, 7, "png"), ("marker", 220, 20, "png"), ("chalk", 400, 18, "jpg"))


def draw(paths, size, width, rng):
    ss, margin = 2, size // 6
    canvas = Image.new("L", ((size + 2 * margin) * ss,) * 2, 0)
    d = ImageDraw.Draw(canvas)
    for path in paths:
        pts = [((margin + (x + rng.gauss(0, 1.5)) * size / 100) * ss,
                (margin + (y + rng.gauss(0, 1.5)) * size / 100) * ss) for x, y in path]
        d.line(pts, fill=255, width=width * ss, joint="curve")
        for x, y in (pts[0], pts[-1]):
            d.ellipse((x - width * ss / 2, y - width * ss / 2, x + width * ss / 2, y + width * ss / 2), fill=255)
    return canvas.reduce(ss)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="the samples' folder (default: the package's)")
    out: Path = parser.parse_args(argv).out
    check_output_folder(out, [f"{letter}-{style}.{ext}" for letter in PATHS for style, _, _, ext in STYLES], "--out ")
    rng = random.Random(7)
    for letter, paths in PATHS.items():
        for style, size, width, ext in STYLES:
            ink = draw(paths, size, width, rng)
            if style == "pen":
                image = Image.composite(Image.new("RGB", ink.size, (20, 20, 60)), Image.new("RGB", ink.size, (250, 248, 240)), ink)
            elif style == "marker":
                image = Image.new("RGBA", ink.size, (200, 30, 40, 0))
                image.putalpha(ink)
            else:
                image = Image.composite(Image.new("RGB", ink.size, (235, 235, 225)), Image.new("RGB", ink.size, (40, 60, 50)), ink)
            with atomic_file(out / f"{letter}-{style}.{ext}") as f:  # never through a link; whole or not at all
                image.save(f, format="JPEG" if ext == "jpg" else "PNG", **({"quality": 85} if ext == "jpg" else {}))
    print(f"wrote {len(PATHS) * len(STYLES)} samples to {out}")


if __name__ == "__main__":
    sys.exit(run_script(main))
