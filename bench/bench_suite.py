"""The test suite as README's test line runs it: wall time of the whole `python -m pytest` and its
slowest tests. Run it on a quiet machine.

    python bench/bench_suite.py [--repeat 1] [--slowest 15] [PYTEST_ARGS...]
    python bench/bench_suite.py tests/alphabet     # a smoke test: one folder's tests, not the figure

Target (issue 10): under 120 s on 2 cores. Exits 1 when the median run is over it.
"""

import argparse
import statistics
import subprocess
import sys
import time

from letters.errors import run_script

TARGET = 120.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--slowest", type=int, default=15, help="how many of the slowest tests to list")
    parser.add_argument("pytest_args", nargs="*", help="what pytest runs (default: the whole suite, as README's test line)")
    args = parser.parse_args(argv)
    times, out = [], ""
    for _ in range(args.repeat):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               f"--durations={args.slowest}", *args.pytest_args], capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        out = done.stdout
        if done.returncode != 0:
            print(out[-3000:])
            return done.returncode
    print("\n".join(line for line in out.splitlines() if line[:1].isdigit()))
    seconds = statistics.median(times)
    print(f"suite: {seconds:.1f} s (median of {args.repeat}; target under {TARGET:.0f} s)")
    return 0 if seconds < TARGET else 1


if __name__ == "__main__":
    sys.exit(run_script(main))
