"""Wall time of the two experiments, whole processes: `letters morph` (target <= 20 s on 2 cores)
and `letters decay --quick` from an empty cache (target <= 60 s on 2 cores). Measure on an idle
machine and say how loaded it was: `uptime` is printed before and after.

    python bench/bench_experiments.py [--repeat 1]
    python bench/bench_experiments.py --quick     # a smoke test: a 3-step morph, a 10-step decay grid
"""

import argparse
import os
import subprocess
import sys
import tempfile

from timing import timed

from letters.errors import run_script

# runs the command in argv[2:] after deleting the folder argv[1]: a fresh cache per run, so every cell is trained
FRESH_CACHE = "import shutil, subprocess, sys; shutil.rmtree(sys.argv[1], True); subprocess.run(sys.argv[2:], check=True)"
QUICK_MORPH = ["--steps", "3", "--samples", "10", "--probes", "20"]
QUICK_DECAY = ["--steps", "10", "--handwriting", ""]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="a 3-step morph and a 10-step decay grid: a smoke test, not a figure")
    args = parser.parse_args(argv)
    letters = [sys.executable, "-m", "letters"]
    print("load before:", os.getloadavg())
    morph_s = timed([*letters, "morph", "--json", *(QUICK_MORPH if args.quick else [])], args.repeat)
    with tempfile.TemporaryDirectory() as cache:
        fresh = os.path.join(cache, "c")
        decay = [*letters, "decay", "--quick", "--json", "--cache", fresh, *(QUICK_DECAY if args.quick else [])]
        quick_s = timed([sys.executable, "-c", FRESH_CACHE, fresh, *decay], args.repeat)
    print("load after:", os.getloadavg())
    print(f"letters morph:            {morph_s:6.1f} s (target <= 20)")
    print(f"letters decay --quick:    {quick_s:6.1f} s (target <= 60), empty cache")
    subprocess.run(["uptime"])


if __name__ == "__main__":
    sys.exit(run_script(main))
