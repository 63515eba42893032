"""`letters draw`: time one update on the server (target: p95 <= 20 ms on 2 cores), and one under a flood
(target: a small request answered within a second while 200 clients send maximal drawings).

    python bench/bench_draw.py [--model FILE] [--repeat 500] [--flood 200]
    python bench/bench_draw.py --quick        # the smoke test's size: 5 updates each way, 3 probes for the labels, a flood of 4

A B drawn as the page sends it (three strokes, a point every 2 canvas pixels, about 390
points) is timed two ways: in the process, from request bytes to response bytes (parse,
check, render, the one preprocessing function, the network, the answer as JSON), and over
HTTP to a real uvicorn on 127.0.0.1 with a kept-alive connection, as the page does it. Then the flood:
a `letters draw` process of its own (so the clients here do not share its interpreter) takes `--flood`
clients at once, each sending maximal drawings (DrawConfig's max_points in max_strokes strokes, near
max_body) as fast as it is answered, while one more client sends the same small B and times each answer.
"""

import argparse
import http.client
import json
import math
import os
import statistics
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

import torch

from letters.app.drawpad import Pad, parse_strokes
from letters.app.drawserver import DrawServer
from letters.config import DrawConfig
from letters.errors import run_script
from letters.network.shipped import DEFAULT_MODEL

WARM_UP = 20  # updates before the clock starts, each way
SPACING = 0.006  # canvas fractions between points: 2 px on the page's 360 px canvas, denser than a mouse sends


def _densify(corners):
    out = [corners[0]]
    for (x0, y0), (x1, y1) in zip(corners, corners[1:]):
        n = max(1, round(math.hypot(x1 - x0, y1 - y0) / SPACING))
        out += [[x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n] for k in range(1, n + 1)]
    return out


def _arc(cx, cy, rx, ry, a0, a1, n=24):
    return [[cx + rx * math.cos(math.radians(a0 + (a1 - a0) * i / n)), cy + ry * math.sin(math.radians(a0 + (a1 - a0) * i / n))]
            for i in range(n + 1)]


def drawing() -> dict:
    strokes = [[[0.3, 0.15], [0.3, 0.85]],
               [[0.3, 0.15], [0.5, 0.15], *_arc(0.5, 0.3, 0.17, 0.15, -90, 90), [0.3, 0.45]],
               [[0.3, 0.45], [0.52, 0.45], *_arc(0.52, 0.65, 0.2, 0.2, -90, 90), [0.3, 0.85]]]
    return {"strokes": [{"points": [[round(x, 4), round(y, 4)] for x, y in _densify(s)], "width": 0.04} for s in strokes]}


def percentiles(seconds: list) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, math.ceil(0.95 * len(ms)) - 1)]
    return f"median {statistics.median(ms):6.2f} ms   p95 {p95:6.2f} ms   max {ms[-1]:6.2f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--repeat", type=int, default=500)
    parser.add_argument("--flood", type=int, default=200, help="clients sending maximal drawings at once (0: no flood)")
    parser.add_argument("--flood-seconds", type=float, default=20.0, help="how long the flood lasts")
    parser.add_argument("--quick", action="store_true", help="5 updates each way, 2 to warm up, 3 probes a stroke for the labels, "
                        "a flood of 4 clients for 2 s: a smoke test, not a figure")
    args = parser.parse_args(argv)
    warm = 2 if args.quick else WARM_UP
    if args.quick:
        args.repeat, args.flood, args.flood_seconds = 5, min(args.flood, 4), 2.0
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as `letters draw` runs
    try:
        measure(args.model, args.repeat, warm, 3 if args.quick else 20)
    finally:
        torch.set_num_threads(threads)
    if args.flood:
        flood(args.model, args.flood, args.flood_seconds, 3 if args.quick else 20)


def measure(model: Path, repeat: int, warm: int, probes: int) -> None:
    config = DrawConfig(port=0, probes=probes)  # the labels do not change the time of an update
    pad = Pad.load(model, config)
    body = json.dumps(drawing()).encode()
    points = sum(len(s["points"]) for s in drawing()["strokes"])
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"one update: a B of 3 strokes, {points} points, {len(body)} bytes; {cores} cores, torch threads 1")

    def in_process() -> bytes:
        strokes = parse_strokes(json.loads(body)["strokes"], config)
        return json.dumps(asdict(pad.update(strokes))).encode()

    for _ in range(warm):
        in_process()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        in_process()
        times.append(time.perf_counter() - start)
    print(f"in the process, bytes to bytes:        {percentiles(times)}")

    server = DrawServer(config)
    server.attach(pad)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sys.exit("bench_draw: the server did not start")
        time.sleep(0.01)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers = {"Content-Type": "application/json", "X-Letters-Token": _token(connection)}  # as the page gets it
    times, app_times = [], []
    for i in range(repeat + warm):
        start = time.perf_counter()
        connection.request("POST", "/api/update", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            sys.exit(f"bench_draw: the server answered {response.status}")
        if i >= warm:
            times.append(elapsed)
            app_times.append(float(response.getheader("Server-Timing").split("dur=")[1]) / 1000)
    server.stop()
    thread.join(10)
    print(f"over HTTP, request to last byte:       {percentiles(times)}")
    print(f"  of which inside the app (Server-Timing): {percentiles(app_times)}")


def maximal_drawing(config: DrawConfig) -> bytes:
    """The largest drawing a request may hold: max_points points in max_strokes zigzag strokes, under max_body."""
    per = config.max_points // config.max_strokes
    strokes = [{"points": [[round((i % 50) / 50, 4), round((k + (i % 2)) / (config.max_strokes + 1), 4)] for i in range(per)],
                "width": 0.25} for k in range(config.max_strokes)]
    body = json.dumps({"strokes": strokes}).encode()
    assert len(body) <= config.max_body, len(body)
    return body


def flood(model: Path, clients: int, seconds: float, probes: int) -> None:
    """A small update's latency while `clients` send maximal drawings to a `letters draw` process."""
    import socket
    import subprocess

    config = DrawConfig()
    with socket.socket() as sock:  # a free port for the server process
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "letters", "draw", "--no-browser", "--port", str(port),
                               "--probes", str(probes), "--model", str(model)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                token = _token(http.client.HTTPConnection("127.0.0.1", port, timeout=30))
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit("bench_draw: letters draw did not start")
                time.sleep(0.2)
        headers = {"Content-Type": "application/json", "X-Letters-Token": token}
        large, small = maximal_drawing(config), json.dumps(drawing()).encode()
        stop = threading.Event()
        answers: dict[int, int] = {}
        lock = threading.Lock()

        def flooder() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while not stop.is_set():
                try:
                    connection.request("POST", "/api/update", body=large, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                except OSError:
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    status = 0  # the connection was dropped
                with lock:
                    answers[status] = answers.get(status, 0) + 1

        workers = [threading.Thread(target=flooder, daemon=True) for _ in range(clients)]
        for worker in workers:
            worker.start()
        time.sleep(min(2.0, seconds / 4))  # let the flood build up before timing
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        times, statuses = [], []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            start = time.perf_counter()
            connection.request("POST", "/api/update", body=small, headers=headers)
            response = connection.getresponse()
            response.read()
            times.append(time.perf_counter() - start)
            statuses.append(response.status)
            time.sleep(0.05)
        stop.set()
        for worker in workers:
            worker.join(60)
    finally:
        server.terminate()
        server.wait(30)
    print(f"flood: {clients} clients sending maximal drawings ({len(large)} bytes, {config.max_points} points) "
          f"for {seconds:g} s; answers {dict(sorted(answers.items()))}")
    ok = sum(1 for s in statuses if s == 200)
    print(f"a small update meanwhile ({ok} of {len(statuses)} answered 200): {percentiles(times)}")


def _token(connection) -> str:
    connection.request("GET", "/")
    page = connection.getresponse().read().decode()
    return page.split('name="letters-token" content="')[1].split('"')[0]


if __name__ == "__main__":
    sys.exit(run_script(main))
