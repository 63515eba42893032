"""`letters methods` at its default size on the shipped model: wall time of the whole process (imports,
glyphs, every method on the trained and the randomised networks), median of runs.

    python bench/bench_methods.py [--repeat 3]

Target: under 60 s on 2 cores. Needs Captum (pip install -e ".[methods]").
"""

import argparse
import sys

from timing import timed

TARGET_S = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from letters.study.method_config import MethodsConfig

    seconds = timed([sys.executable, "-m", "letters", "methods"], args.repeat)
    verdict = "within" if seconds < TARGET_S else "OVER"
    print(f"letters methods ({MethodsConfig().glyphs} glyphs of each letter), median of {args.repeat}: "
          f"{seconds:6.2f} s  ({verdict} the target of {TARGET_S:.0f} s)")


if __name__ == "__main__":
    main()
