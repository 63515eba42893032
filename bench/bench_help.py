"""`letters --help` against `python -c "import typer"`, measured side by side in one run.

    python bench/bench_help.py [--repeat 7]
    python bench/bench_help.py --quick        # a smoke test: one run of each
"""

import argparse
import sys

from timing import timed

from letters.errors import run_script


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one run of each: a smoke test, not a figure")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat = 1
    typer_s = timed([sys.executable, "-c", "import typer"], args.repeat)
    help_s = timed([sys.executable, "-m", "letters", "--help"], args.repeat)
    sub_s = timed([sys.executable, "-m", "letters", "classify", "--help"], args.repeat)
    print(f"python -c 'import typer':    {typer_s * 1000:7.0f} ms")
    print(f"letters --help:              {help_s * 1000:7.0f} ms  ratio {help_s / typer_s:.2f} (target <= 3)")
    print(f"letters classify --help:     {sub_s * 1000:7.0f} ms  ratio {sub_s / typer_s:.2f} "
          "(typer's own parameter adapters import pydantic here; torch is never imported)")


if __name__ == "__main__":
    sys.exit(run_script(main))
