"""`letters methods` at its default size on the shipped model: wall time of the whole process (imports,
glyphs, every method on the trained and the randomised networks), median of runs.

    python bench/bench_methods.py [--repeat 3]
    python bench/bench_methods.py --quick     # a smoke test: one run of `letters methods --quick`

Target: under 60 s on 2 cores. Needs Captum (pip install -e ".[methods]").
"""

import argparse
import sys

from timing import timed

from letters.errors import run_script

TARGET_S = 60.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run of `letters methods --quick`: a smoke test, not a figure")
    args = parser.parse_args(argv)
    from letters.config import QUICK_METHODS, MethodsConfig

    if args.quick:
        args.repeat = 1
    config = QUICK_METHODS if args.quick else MethodsConfig()
    seconds = timed([sys.executable, "-m", "letters", "methods", *(["--quick"] if args.quick else [])], args.repeat)
    verdict = "within" if seconds < TARGET_S else "OVER"
    print(f"letters methods{' --quick' if args.quick else ''} ({config.glyphs} glyphs of each letter), median of {args.repeat}: "
          f"{seconds:6.2f} s  ({verdict} the target of {TARGET_S:.0f} s)")


if __name__ == "__main__":
    sys.exit(run_script(main))
