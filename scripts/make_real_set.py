"""Build data/real: letters the generator did not make, for evaluation only (never training).

Sources, each rendered at two sizes and saved three ways (RGB PNG, transparent PNG with
straight alpha, JPEG):
  - every installed TrueType/OpenType font with Latin capitals (`fc-list`), printed and
    handwriting faces alike;
  - the Hershey stroke fonts (pip package Hershey-Fonts), drawn as pen paths;
  - mouse-like drawings: hand-traced point paths with a jittery hand, drawn here.

    python scripts/make_real_set.py --out data/real
    python scripts/make_real_set.py --quick --out /tmp/real   # a smoke test: 2 fonts, one mouse drawing a letter

Needs Pillow; Hershey-Fonts and system fonts are optional (missing ones are skipped).
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from letters.errors import run_script
from letters.files import new_folder

LETTERS = "ABC"
QUICK_FONTS = 2  # --quick: the first two installed fonts
SIZES = (48, 160)  # font pixel sizes: a small screen glyph and a large drawing
SKIP_FAMILY = re.compile(r"math|symbol|dingbat|D050000L|music|emoji", re.I)
HERSHEY = ("futural", "futuram", "rowmans", "rowmand", "rowmant", "timesr", "timesrb", "timesi",
           "timesib", "scripts", "scriptc", "cursive")

# Mouse-like drawings: strokes as point lists in a 100x100 box, as a person drags a mouse.
MOUSE = {
    "A": [[[(10, 95), (30, 50), (50, 5)], [(50, 5), (68, 50), (90, 95)], [(25, 62), (75, 62)]],
          [[(15, 95), (40, 8), (48, 6), (85, 95)], [(28, 55), (72, 58)]],
          [[(20, 96), (22, 40), (35, 10), (50, 4), (65, 10), (78, 40), (80, 96)], [(21, 55), (79, 55)]],
          [[(5, 92), (45, 6)], [(45, 6), (95, 92)], [(20, 68), (80, 66)]]],
    "B": [[[(20, 5), (20, 95)], [(20, 5), (60, 6), (72, 18), (70, 38), (55, 48), (20, 48)],
           [(20, 48), (65, 48), (82, 62), (80, 85), (60, 95), (20, 95)]],
          [[(25, 4), (24, 96), (24, 96)], [(25, 4), (65, 10), (66, 40), (26, 46), (75, 55), (80, 88), (24, 96)]],
          [[(18, 6), (18, 94)], [(18, 6), (55, 6), (66, 25), (55, 44), (18, 46)],
           [(18, 46), (60, 46), (76, 70), (60, 94), (18, 94)]]],
    "C": [[[(80, 20), (65, 7), (45, 5), (25, 15), (15, 40), (15, 60), (25, 85), (45, 95), (65, 93), (82, 80)]],
          [[(75, 12), (50, 4), (28, 12), (18, 35), (18, 65), (30, 88), (52, 96), (76, 88)]],
          [[(85, 30), (78, 12), (55, 4), (30, 10), (12, 40), (14, 72), (35, 94), (62, 96), (84, 76)]]],
}


def font_files() -> list[Path]:
    try:
        out = subprocess.run(["fc-list", "--format", "%{file}|%{family}\n"], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    files = {}
    for line in out.splitlines():
        path, _, family = line.partition("|")
        if path.endswith((".ttf", ".otf")) and not SKIP_FAMILY.search(family + path):
            files[Path(path).stem] = Path(path)
    return [files[k] for k in sorted(files)]


def draw_font(path: Path, letter: str, size: int) -> Image.Image | None:
    try:
        font = ImageFont.truetype(str(path), size)
    except OSError:
        return None
    box = font.getbbox(letter)
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:
        return None
    margin = size // 3
    canvas = Image.new("L", (box[2] - box[0] + 2 * margin, box[3] - box[1] + 2 * margin), 0)
    ImageDraw.Draw(canvas).text((margin - box[0], margin - box[1]), letter, fill=255, font=font)
    return canvas


def draw_paths(paths, size: int, width: float, rng: random.Random | None = None) -> Image.Image:
    """Coverage image of polylines given in a 100x100 box (4x supersampled)."""
    ss, margin = 4, size // 4
    canvas = Image.new("L", ((size + 2 * margin) * ss,) * 2, 0)
    draw = ImageDraw.Draw(canvas)
    for path in paths:
        pts = []
        for x, y in path:
            if rng:
                x, y = x + rng.gauss(0, 1.2), y + rng.gauss(0, 1.2)
            pts.append(((margin + x * size / 100) * ss, (margin + y * size / 100) * ss))
        w = max(1, round(width * ss))
        draw.line(pts, fill=255, width=w, joint="curve")
        for x, y in (pts[0], pts[-1]):
            draw.ellipse((x - w / 2, y - w / 2, x + w / 2, y + w / 2), fill=255)
    return canvas.reduce(ss)


def hershey_paths(name: str, letter: str):
    from HersheyFonts import HersheyFonts

    font = HersheyFonts()
    font.load_default_font(name)
    font.normalize_rendering(100)
    segments = list(font.lines_for_text(letter))
    if not segments:
        return None
    ys = [y for seg in segments for _, y in seg]
    top = max(ys)
    return [[(x, top - y) for x, y in seg] for seg in segments]  # Hershey y points up


def save_three(coverage: Image.Image, folder: Path, stem: str) -> None:
    """RGB PNG (black on white), RGBA PNG (straight alpha: ink colour everywhere), JPEG."""
    folder.mkdir(parents=True, exist_ok=True)
    white = Image.new("L", coverage.size, 255)
    gray = Image.composite(Image.new("L", coverage.size, 0), white, coverage)
    gray.convert("RGB").save(folder / f"{stem}.png")
    rgba = Image.new("RGBA", coverage.size, (20, 20, 120, 0))
    rgba.putalpha(coverage)
    rgba.save(folder / f"{stem}-alpha.png")
    gray.convert("RGB").save(folder / f"{stem}.jpg", quality=80)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/real"), help="a new (or empty) folder for the set")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_FONTS} fonts, one Hershey font and one mouse drawing "
                        "a letter: a smoke test, not the set")
    args = parser.parse_args(argv)
    with new_folder(args.out) as folder:
        counts = write_set(folder, args.quick)
    print(f"wrote {sum(counts.values()) * 3} files to {args.out}: {counts} drawings, 3 formats each")


def write_set(folder: Path, quick: bool) -> dict[str, int]:
    counts = {"font": 0, "stroke": 0, "mouse": 0}
    fonts, hershey = (font_files()[:QUICK_FONTS], HERSHEY[:1]) if quick else (font_files(), HERSHEY)
    for path in fonts:
        for letter in LETTERS:
            for size in SIZES:
                image = draw_font(path, letter, size)
                if image is not None:
                    save_three(image, folder / letter, f"font-{path.stem}-{size}")
                    counts["font"] += 1
    try:
        for name in hershey:
            for letter in LETTERS:
                paths = hershey_paths(name, letter)
                for size, width in ((48, 2.0), (160, 5.0)):
                    if paths:
                        save_three(draw_paths(paths, size, width), folder / letter, f"stroke-{name}-{size}")
                        counts["stroke"] += 1
    except ImportError:
        print("Hershey-Fonts not installed: stroke fonts skipped (pip install Hershey-Fonts)")
    rng = random.Random(2026)
    for letter, drawings in MOUSE.items():
        for k, paths in enumerate(drawings[:1] if quick else drawings):
            for size, width in ((64, 3.0), (240, 9.0), (120, 12.0)):
                save_three(draw_paths(paths, size, width, rng), folder / letter, f"mouse-{k}-{size}")
                counts["mouse"] += 1
    return counts


if __name__ == "__main__":
    sys.exit(run_script(main))
