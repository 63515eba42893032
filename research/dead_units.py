"""Why hidden units die: dead units against each suspect, over seeds.

A unit is dead when it is active on none of the held-out generated letters (`letters.network.model.active_units`,
the one definition). Every arm changes one thing of the base recipe (learning rate, optimiser, weight
decay, starting biases, warm-up, augmentation, width), trains each seed on the same generated glyphs,
and counts the dead units after the first epoch and at the end, with validation accuracy and
cross-entropy. The table in docs/results.md was made with:

    python research/dead_units.py --out research/dead_units.json
    python research/dead_units.py --quick            # the smoke test's size: seconds
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import replace

import torch
from torch.nn import functional as F

from letters.alphabet import CLASSES
from letters.checks import with_changes
from letters.config import DatasetConfig, TrainConfig
from letters.drawing.dataset import Dataset
from letters.drawing.generator import generate_tensors, local_workers
from letters.errors import run_script
from letters.files import atomic_file, check_output_file
from letters.inputs.tensors import as_input
from letters.network.model import active_units, count_dead
from letters.network.train import train_model

BASE = TrainConfig(hidden=(128,), epochs=6, lr=3e-3, weight_decay=3e-5, augment=1.5, bias_init=None, warmup=0.0,
                   adam_eps=1e-8, device="cpu")  # the recipe before this study, pinned: the defaults have moved since
ARMS = ("base", "lr=1e-3", "lr=1e-2", "optimizer=sgd,lr=0.05", "weight_decay=0", "weight_decay=3e-4",
        "augment=0", "bias_init=0", "bias_init=0.1", "warmup=0.05", "warmup=0.05,bias_init=0.1",
        "hidden=32", "hidden=512")


def run_arm(arm: str, data: Dataset, x_val: torch.Tensor, y_val: torch.Tensor, seeds: list[int], base: TrainConfig) -> dict:
    config = with_changes(base, arm)
    config.validate()
    steps_per_epoch = math.ceil(int((~data.is_val).sum()) / config.batch_size)
    rows = []
    for seed in seeds:
        early: list[int] = []

        def on_step(done: int, _total: int, model, early: list[int] = early) -> None:
            if done == steps_per_epoch:  # the end of the first epoch
                early.append(count_dead(model, x_val[:2000]))

        started = time.perf_counter()
        model, result = train_model(data, replace(config, seed=seed), on_step=on_step)
        with torch.no_grad():
            logits = model(x_val)
        first = model.hidden[0].weight.detach()
        alive = active_units(model, x_val)[0]
        rows.append({
            "seed": seed, "units": sum(config.hidden), "dead_epoch_1": early[0] if early else None,
            "dead": count_dead(model, x_val),
            "dead_weight_norm": round(float(first[~alive].norm(dim=1).mean()), 6) if (~alive).any() else None,
            "live_weight_norm": round(float(first[alive].norm(dim=1).mean()), 4) if alive.any() else None,
            "val_accuracy": round(float((logits.argmax(1) == y_val).float().mean()), 5),
            "val_cross_entropy": round(float(F.cross_entropy(logits, y_val)), 5),
            "seconds": round(time.perf_counter() - started, 1)})
    return {"arm": arm, "config": config.as_dict(), "seeds": rows}


def summary_line(result: dict) -> str:
    rows = result["seeds"]

    def mean(key: str) -> float:
        values = [r[key] for r in rows if r[key] is not None]
        return sum(values) / len(values) if values else float("nan")

    units = rows[0]["units"]
    return (f"{result['arm']:<28} {units:>5} {mean('dead_epoch_1'):>8.1f} {mean('dead'):>6.1f} "
            f"({min(r['dead'] for r in rows)}-{max(r['dead'] for r in rows)}) {100 * mean('val_accuracy'):>7.2f}% "
            f"{mean('val_cross_entropy'):>7.4f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="generated glyphs (a tenth held out)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--arms", nargs="+", default=list(ARMS), help="changes to the base recipe, FIELD=VALUE[,...]")
    parser.add_argument("--base", default="base", help="changes to the base recipe applied to every arm")
    parser.add_argument("--quick", action="store_true", help="3,000 glyphs, one epoch, one seed, three arms")
    parser.add_argument("--out", help="write every number as JSON here")
    args = parser.parse_args(argv)
    if args.out:
        check_output_file(args.out, "--out ")
    torch.set_num_threads(2)
    base = with_changes(BASE, args.base)
    if args.quick:
        args.count, args.seeds, args.arms = 3000, [0], ["base", "bias_init=0.1", "hidden=16"]
        base = replace(base, epochs=1)
    tensors = generate_tensors(DatasetConfig(count=args.count, seed=11, workers=local_workers()))
    data = Dataset(tensors["images"], tensors["labels"], tensors["is_val"], list(CLASSES), {})
    x_val, y_val = as_input(data.images[data.is_val]), data.labels[data.is_val]
    print(f"{'arm':<28} {'units':>5} {'dead@1':>8} {'dead':>6} {'range':<7} {'val acc':>8} {'val CE':>7}", flush=True)
    results = []
    for arm in args.arms:
        results.append(run_arm(arm, data, x_val, y_val, args.seeds, base))
        print(summary_line(results[-1]), flush=True)
    if args.out:
        with atomic_file(args.out, "w", encoding="utf-8") as f:
            json.dump({"count": args.count, "base": base.as_dict(), "arms": results}, f, indent=1)


if __name__ == "__main__":
    sys.exit(run_script(main))
