"""Classify speed: one file end to end against `import torch`, and 1,000 files against one.

    python bench/bench_classify.py [--repeat 5] [--files 1000]
    python bench/bench_classify.py --quick    # the smoke test's size: one run of each, 3 files

Each figure is the median wall time of whole processes, measured in this one run.
"""

import argparse
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw
from timing import timed

from letters.errors import run_script


def drawing(i: int) -> Image.Image:
    image = Image.new("RGB", (160 + i % 40, 160), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(30, 140), (80, 20), (130, 140)], fill="black", width=6 + i % 5)
    draw.line([(55, 95), (105, 95)], fill="black", width=6)
    return image


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="one run of each, 3 files: a smoke test, not a figure")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.files = 1, 3
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "many"
        folder.mkdir()
        for i in range(args.files):
            drawing(i).save(folder / f"{i:04d}.png")
        one = folder / "0000.png"
        torch_s = timed([sys.executable, "-c", "import torch"], args.repeat)
        one_s = timed([sys.executable, "-m", "letters", "classify", str(one)], args.repeat)
        many_s = timed([sys.executable, "-m", "letters", "classify", str(folder), "--json"], max(1, args.repeat // 2))
    print(f"python -c 'import torch':        {torch_s:6.2f} s")
    print(f"letters classify one.png:        {one_s:6.2f} s  ratio {one_s / torch_s:.2f} (target <= 1.25)")
    print(f"letters classify {args.files} files:     {many_s:6.2f} s  ratio to one file {many_s / one_s:.2f} (target < 2)")


if __name__ == "__main__":
    sys.exit(run_script(main))
