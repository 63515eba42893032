"""Recipes for the shipped network, screened on generated glyphs over seeds; real letters only checked.

Every arm changes the base recipe by FIELD=VALUE[,...] of TrainConfig and is trained once per seed on
the same generated glyphs. The table gives, as means over the seeds: dead units; the cross-entropy and
accuracy of the generated validation split and of a shifted generated set (SHIFT: the same generator
with every distortion wider, new seeds: how well the recipe carries beyond the glyphs it learns from,
which is what chooses); then data/handwriting and data/real, which check and never choose. The figures
in docs/results.md:

    python research/recipes.py --count 300000 --seeds 0 1 2 --arms base epochs=16 lr=1e-2 --out screen.json
    python research/recipes.py --quick                 # the smoke test's size: seconds
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch
from torch.nn import functional as F

from letters.alphabet import CLASSES
from letters.checks import with_changes
from letters.config import SHIFTED, SHIFTED_SEED, DatasetConfig, TrainConfig
from letters.drawing.dataset import Dataset, load_dataset
from letters.drawing.generator import generate_tensors, local_workers
from letters.errors import run_script
from letters.files import atomic_file, check_output_file
from letters.inputs.imagefolder import read_image_folder
from letters.inputs.tensors import as_input
from letters.network.checkpoint import load_model
from letters.network.model import count_dead
from letters.network.predict import score_images
from letters.network.train import train_model

BASE = TrainConfig(hidden=(128,), epochs=8, lr=3e-3, weight_decay=3e-5, augment=1.5, warmup=0.05, bias_init=0.1,
                   adam_eps=1e-8, device="cpu")  # the screens' starting point, pinned: the shipped recipe is in config
REAL = ("data/handwriting", "data/real")
SHIFT, SHIFT_SEED, SHIFT_COUNT = SHIFTED, SHIFTED_SEED, 30_000  # config.SHIFTED: wider distortions, new seeds


def glyphs(count: int, seed: int, data: str | None) -> Dataset:
    if data:
        return load_dataset(data)
    t = generate_tensors(DatasetConfig(count=count, seed=seed, workers=local_workers()))
    return Dataset(t["images"], t["labels"], t["is_val"], list(CLASSES), {})


def shifted(count: int) -> tuple[torch.Tensor, torch.Tensor]:
    t = generate_tensors(DatasetConfig(count=count, seed=SHIFT_SEED, workers=local_workers(), generator=SHIFT))
    return t["images"], t["labels"]


def measure(model, x_val: torch.Tensor | None, y_val: torch.Tensor | None, real: dict) -> dict:
    """One trained network's row: dead units, the validation split (None: not measured), the shifted set,
    and each real folder."""
    row: dict = {"dead": count_dead(model, x_val if x_val is not None else as_input(real["shift"][0])),
                 "val_accuracy": None, "val_cross_entropy": None}
    if x_val is not None:
        with torch.no_grad():
            logits = model(x_val)
        row["val_accuracy"] = float((logits.argmax(1) == y_val).float().mean())
        row["val_cross_entropy"] = float(F.cross_entropy(logits, y_val))
    shift = score_images(model, *real["shift"], CLASSES)
    row["shift_accuracy"], row["shift_cross_entropy"] = shift.accuracy, shift.cross_entropy
    for name, (images, labels) in ((k, v) for k, v in real.items() if k != "shift"):
        s = score_images(model, images, labels, CLASSES)
        row[name] = {"accuracy": s.accuracy, "per_class": s.per_class, "cross_entropy": s.cross_entropy,
                     "errors": int((s.predicted != labels).sum())}
    return row


def run(arm: str, base: TrainConfig, data: Dataset, real: dict, seeds: list[int]) -> dict:
    config = with_changes(base, arm)
    config.validate()
    x_val, y_val = as_input(data.images[data.is_val]), data.labels[data.is_val]
    rows = []
    for seed in seeds:
        started = time.perf_counter()
        model, result = train_model(data, replace(config, seed=seed))
        rows.append({"seed": seed, "seconds": round(time.perf_counter() - started, 1), **measure(model, x_val, y_val, real)})
    return {"arm": arm, "config": config.as_dict(), "seeds": rows}


def checkpoint_row(path: str, real: dict) -> dict:
    """A saved model as a row of its own (its validation split is not this screen's, so none is shown)."""
    model, checkpoint = load_model(path)
    units = sum(model.dims.hidden)
    return {"arm": f"{Path(path).name} ({units} units)", "config": checkpoint.get("train_config"),
            "seeds": [{"seed": None, "seconds": 0.0, **measure(model, None, None, real)}]}


def line(result: dict) -> str:
    rows = result["seeds"]
    n = len(rows)

    def mean(get) -> float:
        return sum(get(r) for r in rows) / n

    val = (f"{mean(lambda r: r['val_cross_entropy']):>7.4f} {100 * mean(lambda r: r['val_accuracy']):>6.2f}"
           if rows[0]["val_accuracy"] is not None else f"{'-':>7} {'-':>6}")
    out = (f"{result['arm']:<30} {mean(lambda r: r['dead']):>5.1f} {val} {mean(lambda r: r['shift_cross_entropy']):>7.4f} "
           f"{100 * mean(lambda r: r['shift_accuracy']):>6.2f}")
    for name in REAL:
        if name in rows[0]:
            errors = "/".join(str(r[name]["errors"]) for r in rows)
            accuracy = mean(lambda r, name=name: r[name]["accuracy"])
            out += f"  {100 * accuracy:>6.2f} ({errors}) {mean(lambda r, name=name: r[name]['cross_entropy']):.3f}"
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300_000, help="generated glyphs (a tenth held out)")
    parser.add_argument("--data", help="a dataset folder from letters generate instead of fresh glyphs")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--arms", nargs="+", default=["base"], help="changes to the base recipe, FIELD=VALUE[,...]")
    parser.add_argument("--base", default="base", help="changes applied to every arm")
    parser.add_argument("--quick", action="store_true", help="3,000 glyphs, one epoch, one seed")
    parser.add_argument("--models", nargs="*", default=[], help="saved checkpoints to score as rows of their own")
    parser.add_argument("--out", help="write every number as JSON here")
    args = parser.parse_args(argv)
    if args.out:
        check_output_file(args.out, "--out ")
    torch.set_num_threads(2)
    base = with_changes(BASE, args.base)
    if args.quick:
        args.count, args.seeds, base = 3000, [0], replace(base, epochs=1)
    data = glyphs(args.count, 0, args.data)
    real = {"shift": shifted(300 if args.quick else SHIFT_COUNT)}
    for folder in REAL:
        if Path(folder).is_dir():
            images, labels, _, _ = read_image_folder(Path(folder))
            real[folder] = (images, labels)
    print(f"{'arm':<30} {'dead':>5} {'val CE':>7} {'val %':>6} {'shiftCE':>7} {'shift%':>6}  "
          + "  ".join(f"{n} % (errors) CE" for n in real if n != "shift"), flush=True)
    results = []
    for arm in args.arms:
        results.append(run(arm, base, data, real, args.seeds))
        print(line(results[-1]), flush=True)
    for path in args.models:
        results.append(checkpoint_row(path, real))
        print(line(results[-1]), flush=True)
    if args.out:
        with atomic_file(args.out, "w", encoding="utf-8") as f:
            json.dump({"count": args.count, "base": base.as_dict(), "arms": results}, f, indent=1)


if __name__ == "__main__":
    sys.exit(run_script(main))
