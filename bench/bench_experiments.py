"""Wall time of the two experiments, whole processes: `letters morph` (target <= 20 s on 2 cores)
and `letters decay --quick` from an empty cache (target <= 60 s on 2 cores). Measure on an idle
machine and say how loaded it was: `uptime` is printed before and after.

    python scripts/bench_experiments.py [--repeat 1]
"""

import argparse
import os
import subprocess
import sys
import tempfile

from timing import timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print("load before:", os.getloadavg())
    morph_s = timed([sys.executable, "-m", "letters", "morph", "--json"], args.repeat)
    with tempfile.TemporaryDirectory() as cache:
        # a fresh cache folder per run, so every cell is trained
        quick_s = timed([sys.executable, "-c", "import shutil, subprocess, sys; shutil.rmtree(sys.argv[1], True); "
                         "subprocess.run([sys.executable, '-m', 'letters', 'decay', '--quick', '--json', '--cache', "
                         "sys.argv[1]], check=True)", os.path.join(cache, "c")], args.repeat)
    print("load after:", os.getloadavg())
    print(f"letters morph:            {morph_s:6.1f} s (target <= 20)")
    print(f"letters decay --quick:    {quick_s:6.1f} s (target <= 60), empty cache")
    subprocess.run(["uptime"])


if __name__ == "__main__":
    main()
