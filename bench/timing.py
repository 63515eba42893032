"""Shared by the benchmark scripts: the median wall time of whole processes."""

import statistics
import subprocess
import time


def timed(cmd: list, repeat: int) -> float:
    """Median seconds of `repeat` runs of a command, output discarded."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)
