"""`letters analyze` on the shipped model: wall time of the whole process, on a quiet
machine and while another process keeps one core busy, plus where the time goes.

    python scripts/bench_analyze.py [--repeat 3]

Targets (issue 12): <= 10 s on 2 cores, <= 15 s with one core busy.
"""

import argparse
import subprocess
import sys
import time

from timing import timed

SPIN = "import time\nend = time.time() + 600\nwhile time.time() < end:\n    pass\n"  # one busy core, at most 10 min


def stages() -> None:
    """Seconds per stage, in this process (imports excluded), on one thread as analyze_model runs."""
    import torch

    from letters.config import AnalysisConfig, GeneratorConfig
    from letters.network.checkpoint import load_model
    from letters.network.shipped import DEFAULT_MODEL
    from letters.study.analysis import InkPixels, analyze_units, build_probes, dissection_baselines, find_lookalikes, misclassification

    torch.set_num_threads(1)
    model, _ = load_model(DEFAULT_MODEL)
    config = AnalysisConfig()
    marks = [time.perf_counter()]
    probes = build_probes(config, GeneratorConfig())
    marks.append(time.perf_counter())
    ink = InkPixels(probes)
    baselines = dissection_baselines(probes, config.quantile, config.seed, ink)
    marks.append(time.perf_counter())
    units = analyze_units(model, probes, config, baselines, ink)
    marks.append(time.perf_counter())
    misclassification(model, probes, units, config, find_lookalikes(units))
    marks.append(time.perf_counter())
    names = ("probe glyphs", "dissection chance/ideal", "units (responses, dissection, ablation)",
             "lookalikes and the example with controls")
    for name, a, b in zip(names, marks, marks[1:]):
        print(f"  {name:<42} {b - a:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    command = [sys.executable, "-m", "letters", "analyze"]
    quiet = timed(command, args.repeat)
    print(f"letters analyze, quiet:            {quiet:6.2f} s  (target <= 10 s)")
    spinner = subprocess.Popen([sys.executable, "-c", SPIN])
    try:
        busy = timed(command, args.repeat)
    finally:
        spinner.kill()
        spinner.wait()
    print(f"letters analyze, one core busy:    {busy:6.2f} s  (target <= 15 s)")
    print("stages (quiet, in-process):")
    stages()


if __name__ == "__main__":
    main()
