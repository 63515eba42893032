"""What real handwriting gains from capacity and from data: train variants of the shipped recipe
(scripts/train_default_model.sh: 12 epochs, batch 256, Adam 3e-3 cosine, L2 1e-4, --augment 1.5,
seed 0) on generated glyphs only, and score each on data/handwriting and data/real, per class.

    python scripts/compare_models.py                 # capacity at 200k glyphs, data size at 256 units
    python scripts/compare_models.py --hidden 512 --counts 200000 --json

Each (count, hidden) pair is one line; the same count reuses the same generated glyphs, so the
capacity rows differ only in the network. Slow on 2 cores (a 200k-glyph run trains in minutes on an
idle machine, several times longer beside other work): README gives the figures it printed.
"""

from __future__ import annotations

import argparse
import json
import sys

import torch
from eval_real import ROOT, load  # the same real sets, read the same way (scripts/ is on the path when run)

from letters.analysis import wilson
from letters.config import DatasetConfig, TrainConfig
from letters.dataset import Dataset
from letters.errors import LettersError
from letters.generator import generate_tensors
from letters.predict import probabilities
from letters.strokes import CLASSES
from letters.train import train_model

RECIPE = dict(epochs=12, batch_size=256, lr=3e-3, weight_decay=1e-4, augment=1.5, seed=0)


def labelled(name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """data/<name>, an ImageFolder tree of real letters, as images and class indices."""
    _, images, truth = load(ROOT / "data" / name)
    return images, torch.tensor([CLASSES.index(letter) for letter in truth])


def score(model, images: torch.Tensor, labels: torch.Tensor) -> dict:
    right = probabilities(model, images).argmax(1) == labels
    rate = wilson(int(right.sum()), len(right))
    return {"accuracy": round(rate.rate, 4), "n": len(right), "interval": [round(rate.low, 4), round(rate.high, 4)],
            **{c: round(float(right[labels == k].float().mean()), 4) for k, c in enumerate(CLASSES)}}


def hidden_sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(","))  # argparse reports a ValueError in one line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", nargs="+", type=hidden_sizes, default=[(128,), (256,), (512,), (256, 256)],
                        help="hidden layer sizes to compare at --count (e.g. 512 or 256,256)")
    parser.add_argument("--count", type=int, default=200_000, help="glyphs for the capacity comparison")
    parser.add_argument("--counts", type=int, nargs="*", default=[100_000, 500_000],
                        help="further glyph counts, each trained with --data-hidden")
    parser.add_argument("--data-hidden", type=hidden_sizes, default=(256,), help="hidden sizes for the data-size rows")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", action="store_true", help="one JSON object a line")
    args = parser.parse_args()
    runs = [(args.count, hidden) for hidden in args.hidden]
    runs += [(count, args.data_hidden) for count in args.counts if count != args.count]
    for count, hidden in runs:  # every setting checked before minutes of work
        DatasetConfig(count=count, seed=0, workers=2).validate()
        TrainConfig(hidden=hidden, device=args.device, **RECIPE).validate()
    sets = {name: labelled(name) for name in ("handwriting", "real")}
    data, made_for = None, None
    for count, hidden in runs:
        if count != made_for:  # runs of one count are consecutive: one dataset in memory at a time
            tensors = generate_tensors(DatasetConfig(count=count, seed=0, workers=2))
            data = Dataset(images=tensors["images"], labels=tensors["labels"], is_val=tensors["is_val"],
                           classes=list(CLASSES), meta={})
            made_for = count
        model, result = train_model(data, TrainConfig(hidden=hidden, device=args.device, **RECIPE))
        row = {"count": count, "hidden": list(hidden), "train_seconds": result.train_seconds,
               "val_accuracy": round(result.val_accuracy or 0.0, 4),
               **{name: score(model, *real_set) for name, real_set in sets.items()}}
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            hand, real = row["handwriting"], row["real"]
            print(f"{count:>9,} glyphs  hidden {','.join(map(str, hidden)):<8}  handwriting {hand['accuracy']:.2%} "
                  f"(A {hand['A']:.2%} B {hand['B']:.2%} C {hand['C']:.2%})  real {real['accuracy']:.2%} "
                  f"(C {real['C']:.2%})  trained in {result.train_seconds:.0f} s", flush=True)


if __name__ == "__main__":
    try:
        main()
    except LettersError as error:  # a bad --hidden, --count or --device: one line, no traceback
        sys.exit(f"compare_models: {error.cli_line}")
