"""Generator speed: glyphs per second per core, against a bare Pillow loop, and worker scaling.

    python bench/bench_generate.py [--count 6000]
    python bench/bench_generate.py --quick    # the smoke test's size: 60 glyphs, one worker

The bare loop draws the same number of plain 4x-supersampled lines and downsamples them:
the practical floor for any Pillow-based generator on this machine. Everything is
measured in this one run.
"""

import argparse
import os
import random
import sys
import time

from PIL import Image, ImageDraw

from letters.config import DatasetConfig
from letters.drawing.generator import generate_tensors
from letters.errors import run_script


def bare_pillow(count: int) -> float:
    """Per image: three 10-point polylines (a letter's three strokes) on a 4x canvas, downsampled."""
    rng = random.Random(0)
    strokes = [[(rng.uniform(0, 112), rng.uniform(0, 112)) for _ in range(10)] for _ in range(300)]
    start = time.perf_counter()
    for i in range(count):
        canvas = Image.new("L", (112, 112), 0)
        draw = ImageDraw.Draw(canvas)
        for k in range(3):
            draw.line(strokes[(3 * i + k) % 300], fill=255, width=8)
        canvas.reduce(4).tobytes()
    return count / (time.perf_counter() - start)


def ours(count: int, workers: int) -> float:
    start = time.perf_counter()
    generate_tensors(DatasetConfig(count=count, workers=workers))
    return count / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=6000)
    parser.add_argument("--quick", action="store_true", help="60 glyphs, no worker scaling: a smoke test, not a figure")
    args = parser.parse_args(argv)
    if args.quick:
        args.count = 60
    floor = bare_pillow(args.count)
    one = ours(args.count, 1)
    print(f"bare Pillow, 3 lines, 1 core:     {floor:8.0f} images/s")
    print(f"letters generate, 1 worker:       {one:8.0f} glyphs/s (with stroke owners and preprocessing)")
    print(f"ratio to the bare Pillow loop:    {one / floor:8.2f}")
    for workers in () if args.quick else (2, 4):
        if workers <= (os.cpu_count() or 1):
            rate = ours(args.count * workers, workers)
            print(f"letters generate, {workers} workers:      {rate:8.0f} glyphs/s, scaling {rate / one:.2f}x of {workers}")


if __name__ == "__main__":
    sys.exit(run_script(main))
