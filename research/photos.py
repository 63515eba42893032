"""The shipped model on a photo set (scripts/make_photo_set.py): accuracy per letter, per source and per
kind of capture, each with its n and 95% Wilson interval, and what the unsure rule flags there.

    python scripts/make_photo_set.py --out data/photos-full     # 1,347 photos, built once
    python research/photos.py data/photos-full [--model FILE] [--json]
    python research/photos.py data/photos --quick               # the smoke test: the first 12 photos
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

from letters.alphabet import CLASSES
from letters.errors import LettersError, run_script
from letters.network.checkpoint import load_model
from letters.network.novelty import load_novelty
from letters.network.predict import classify, load_input
from letters.network.shipped import DEFAULT_MODEL
from letters.study.stats import wilson


def manifest_rows(root: Path, limit: int | None = None) -> list[dict]:
    """A photo set's manifest rows, each naming a file there and one of the letters; anything else is one
    line naming the set and the row."""
    path = root / "manifest.csv"
    if not path.is_file():
        raise LettersError(f"{root}: no manifest.csv there; build a photo set with scripts/make_photo_set.py")
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise LettersError(f"{path} cannot be read ({error})") from None
    for number, row in enumerate(rows, start=2):
        if row.get("letter") not in CLASSES or not row.get("file") or not (root / row["file"]).is_file():
            raise LettersError(f"{path}, line {number}: each row names a file there and its letter "
                               f"({', '.join(CLASSES)})")
    if not rows:
        raise LettersError(f"{path} lists no photos")
    return rows[:limit]


def score(root: Path, model_path: Path, limit: int | None = None) -> dict:
    rows = manifest_rows(root, limit)
    model, checkpoint = load_model(model_path)
    predictions = classify(model, checkpoint["classes"], [load_input(root / r["file"]) for r in rows],
                           novelty=load_novelty(checkpoint))
    groups: dict[str, dict[str, list[int]]] = {"letter": defaultdict(lambda: [0, 0]), "source": defaultdict(lambda: [0, 0]),
                                               "kind": defaultdict(lambda: [0, 0])}
    flagged, wrong_flagged, wrong = 0, 0, 0
    for row, p in zip(rows, predictions):
        right = p.prediction == row["letter"]
        for key in groups:
            groups[key][row[key]][0] += right
            groups[key][row[key]][1] += 1
        flagged += bool(p.unsure)
        wrong += not right
        wrong_flagged += bool(p.unsure) and not right
    n = len(rows)
    right_all = n - wrong

    def rate(k: int, total: int) -> dict:
        r = wilson(k, total)
        return {"k": k, "n": total, "rate": k / total if total else None, "low": r.low, "high": r.high}

    kept = n - flagged
    return {"n": n, "accuracy": rate(right_all, n),
            **{key: {name: rate(*v) for name, v in sorted(g.items())} for key, g in groups.items()},
            "flagged": rate(flagged, n), "kept_accuracy": rate(kept - (wrong - wrong_flagged), kept),
            "wrong_flagged": wrong_flagged, "wrong": wrong}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="a photo set: A/, B/, C/ and manifest.csv")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="the first 12 photos")
    args = parser.parse_args(argv)
    result = score(args.root, args.model, 12 if args.quick else None)
    if args.json:
        print(json.dumps(result, indent=1))
        return

    def show(r: dict) -> str:
        return f"{100 * r['rate']:6.2f}% [{100 * r['low']:.1f}-{100 * r['high']:.1f}] of {r['n']}"

    print(f"{args.root}: {result['n']} photos, accuracy {show(result['accuracy'])}")
    for key in ("letter", "source", "kind"):
        print(f"by {key}: " + "; ".join(f"{name} {100 * r['rate']:.1f}% ({r['n']})" for name, r in result[key].items()))
    print(f"unsure: {100 * result['flagged']['rate']:.1f}% flagged, {result['wrong_flagged']} of {result['wrong']} wrong "
          f"answers among them; the rest {show(result['kept_accuracy'])} right")


if __name__ == "__main__":
    sys.exit(run_script(main))
