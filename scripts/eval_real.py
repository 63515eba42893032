"""Score a model on data/real by source (fonts, stroke fonts, mouse drawings) and check that
each drawing gets the same answer as RGB PNG, transparent PNG and JPEG.

    python scripts/eval_real.py [--model letters/assets/letters-mlp.pt] [--data data/real]
"""

import argparse
from collections import defaultdict
from pathlib import Path

import torch

from letters.checkpoint import load_model
from letters.predict import load_input, probabilities
from letters.shipped import DEFAULT_MODEL


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--data", type=Path, default=Path("data/real"))
    args = parser.parse_args()
    model, checkpoint = load_model(args.model)
    classes = checkpoint["classes"]
    files = sorted(p for p in args.data.glob("*/*") if p.suffix in (".png", ".jpg"))
    loaded = [load_input(p) for p in files]
    probs = probabilities(model, torch.stack([item.image for item in loaded]))
    by_source, by_drawing = defaultdict(lambda: [0, 0]), defaultdict(dict)
    for path, p in zip(files, probs):
        truth, prediction = path.parent.name.upper(), classes[int(p.argmax())]
        source = path.name.split("-")[0]
        by_source[source][0] += prediction == truth
        by_source[source][1] += 1
        fmt = "alpha" if path.stem.endswith("-alpha") else path.suffix[1:]
        by_drawing[(truth, path.stem.removesuffix("-alpha"))][fmt] = prediction
    total = sum(c for c, _ in by_source.values()), sum(n for _, n in by_source.values())
    print(f"all: {total[0]}/{total[1]} = {total[0] / total[1]:.4f}")
    for source, (correct, n) in sorted(by_source.items()):
        print(f"  {source:7s} {correct}/{n} = {correct / n:.4f}")
    complete = [d for d in by_drawing.values() if len(d) == 3]
    agree = sum(len(set(d.values())) == 1 for d in complete)
    print(f"same answer as RGB PNG, transparent PNG and JPEG: {agree}/{len(complete)} drawings")


if __name__ == "__main__":
    main()
