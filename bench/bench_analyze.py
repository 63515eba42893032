"""`letters analyze` on the shipped model: wall time of the whole process, on a quiet
machine and while another process keeps one core busy, plus where the time goes.

    python bench/bench_analyze.py [--repeat 3]
    python bench/bench_analyze.py --quick     # the smoke test's size: one run of each, 20 probes

Targets (issue 12): <= 10 s on 2 cores, <= 15 s with one core busy (at the default probes).
"""

import argparse
import subprocess
import sys
import time

from timing import timed

from letters.errors import run_script

QUICK_PROBES = 20
SPIN = "import time\nend = time.time() + 600\nwhile time.time() < end:\n    pass\n"  # one busy core, at most 10 min


def stages(probes_per_role: int | None = None) -> None:
    """Seconds per stage, in this process (imports excluded), on one thread as analyze_model runs."""
    import torch

    from letters.config import AnalysisConfig, GeneratorConfig
    from letters.network.checkpoint import load_model
    from letters.network.shipped import DEFAULT_MODEL
    from letters.study.dissection import InkPixels, baselines
    from letters.study.example import measure_example
    from letters.study.lookalikes import find_lookalikes
    from letters.study.probes import build_probes
    from letters.study.units import analyze_units

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model, _ = load_model(DEFAULT_MODEL)
        model = model.cpu().eval()
        config = AnalysisConfig() if probes_per_role is None else AnalysisConfig(probes=probes_per_role)
        marks = [time.perf_counter()]
        probes = build_probes(config, GeneratorConfig())
        marks.append(time.perf_counter())
        ink = InkPixels(probes)
        chance_and_ideal = baselines(probes, config.quantile, config.seed, ink)
        marks.append(time.perf_counter())
        units = analyze_units(model, probes, config, chance_and_ideal, ink)
        marks.append(time.perf_counter())
        measure_example(model, probes, units, config, find_lookalikes(units))
        marks.append(time.perf_counter())
    finally:
        torch.set_num_threads(threads)
    names = ("probe glyphs", "dissection chance/ideal", "units (responses, dissection, ablation)",
             "lookalikes and the example with controls")
    for name, a, b in zip(names, marks, marks[1:]):
        print(f"  {name:<42} {b - a:6.2f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help=f"one run of each, {QUICK_PROBES} probes: a smoke test, not a figure")
    args = parser.parse_args(argv)
    repeat, probes = (1, QUICK_PROBES) if args.quick else (args.repeat, None)
    command = [sys.executable, "-m", "letters", "analyze", *(["--probes", str(probes)] if probes else [])]
    quiet = timed(command, repeat)
    print(f"letters analyze, quiet:            {quiet:6.2f} s  (target <= 10 s)")
    spinner = subprocess.Popen([sys.executable, "-c", SPIN])
    try:
        busy = timed(command, repeat)
    finally:
        spinner.kill()
        spinner.wait()
    print(f"letters analyze, one core busy:    {busy:6.2f} s  (target <= 15 s)")
    print("stages (quiet, in-process):")
    stages(probes)


if __name__ == "__main__":
    sys.exit(run_script(main))
