"""Choosing the unsure rule, and its risk-coverage table: the share of answers flagged against the
accuracy of the answers left, for each top-probability floor (ClassifyConfig.min_confidence), the
detector and the photo findings as `classify` applies them.

The floor is chosen on data that is neither the scans nor their photos: shifted generated letters
(config.SHIFTED) and the photo set's photos of fonts, mouse drawings and generated glyphs. The choice
is the highest floor that flags at most BUDGET of that data (the goal on real letters is at most 3%
flagged). The scans and their photos are then only reported.

    python research/unsure.py --photos data/photos-full [--model FILE] [--json]
    python research/unsure.py --quick                   # the smoke test's size
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from photos import manifest_rows  # research/photos.py: the one reader of a photo set

from letters.alphabet import CLASSES
from letters.config import SHIFTED, SHIFTED_SEED, ClassifyConfig, DatasetConfig
from letters.drawing.generator import generate_tensors, local_workers
from letters.errors import run_script
from letters.network.checkpoint import load_model
from letters.network.novelty import load_novelty, novelty_scores
from letters.network.predict import load_input, probabilities
from letters.network.shipped import DEFAULT_MODEL

ROOT = Path(__file__).resolve().parent.parent
FLOORS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
BUDGET = 0.03  # the share of answers the chosen floor may flag on the choosing data
CHOOSING_SOURCES = ("real", "gen")  # photo sources that are not the scans


def read_files(paths: list[Path], labels: list[int]) -> dict:
    """Probabilities' inputs for files: images (N, 28, 28), labels, and whether a finding flags each."""
    images, kept, findings = [], [], []
    for path, label in zip(paths, labels):
        item = load_input(path)
        if item.image is None:  # no letter found: flagged by its finding, and counted as not answered right
            images.append(torch.zeros(28, 28, dtype=torch.uint8))
            findings.append(True)
            kept.append(-1)
            continue
        images.append(item.image)
        findings.append(bool(item.findings))
        kept.append(label)
    return {"images": torch.stack(images), "labels": torch.tensor(kept), "findings": torch.tensor(findings)}


def folder(root: Path, limit: int | None) -> dict:
    paths, labels = [], []
    for i, letter in enumerate(CLASSES):
        files = sorted((root / letter).iterdir())[:limit]
        paths += files
        labels += [i] * len(files)
    return read_files(paths, labels)


def photos(root: Path, sources: tuple[str, ...] | None, limit: int | None) -> dict:
    rows = [r for r in manifest_rows(root) if sources is None or r.get("source") in sources][:limit]
    return read_files([root / r["file"] for r in rows], [CLASSES.index(r["letter"]) for r in rows])


def table(model, detector, data: dict) -> list[dict]:
    """Per floor: the share flagged, and the accuracy of the rest (a file with no letter found counts wrong)."""
    probs = probabilities(model, data["images"])
    top, pred = probs.max(1)
    right = pred == data["labels"]
    none = novelty_scores(detector[0], data["images"]) >= detector[1] if detector else torch.zeros_like(right)
    rows = []
    for floor in (0.0, *FLOORS):
        flagged = data["findings"] | none | (top < floor)
        kept = ~flagged
        rows.append({"floor": floor, "n": len(right), "flagged": float(flagged.float().mean()),
                     "kept_accuracy": float(right[kept].float().mean()) if kept.any() else None,
                     "wrong": int((~right).sum()), "wrong_flagged": int((~right & flagged).sum())})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--photos", type=Path, default=ROOT / "data" / "photos", help="a photo set with its manifest.csv")
    parser.add_argument("--count", type=int, default=30_000, help="shifted generated letters")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="300 generated letters, 6 files a folder")
    args = parser.parse_args(argv)
    limit = 6 if args.quick else None
    count = 300 if args.quick else args.count
    model, checkpoint = load_model(args.model)
    detector = load_novelty(checkpoint)
    generated = generate_tensors(DatasetConfig(count=count, seed=SHIFTED_SEED, workers=local_workers(), generator=SHIFTED))
    choosing_photos = photos(args.photos, CHOOSING_SOURCES, limit)
    choosing = {"images": torch.cat([generated["images"], choosing_photos["images"]]),
                "labels": torch.cat([generated["labels"], choosing_photos["labels"]]),
                "findings": torch.cat([torch.zeros(count, dtype=torch.bool), choosing_photos["findings"]])}
    sets = {"choosing: shifted generated + photos of fonts and glyphs": choosing,
            "data/handwriting": folder(ROOT / "data" / "handwriting", limit),
            "data/real": folder(ROOT / "data" / "real", limit),
            f"{args.photos.name} (every photo)": photos(args.photos, None, limit)}
    tables = {name: table(model, detector, data) for name, data in sets.items()}
    within = [row["floor"] for row in tables[next(iter(tables))] if row["flagged"] <= BUDGET]
    chosen = max(within) if within else 0.0
    result = {"model": str(args.model), "budget": BUDGET, "chosen_floor": chosen, "shipped_floor": ClassifyConfig.min_confidence,
              "tables": tables}
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"floor chosen on the choosing data (flags at most {100 * BUDGET:g}%): {chosen:g}; "
          f"classify's min_confidence: {ClassifyConfig.min_confidence:g}")
    for name, rows in tables.items():
        print(f"{name} ({rows[0]['n']}; {rows[0]['wrong']} wrong)")
        print("  floor  " + "  ".join(f"{row['floor']:>6g}" for row in rows))
        print("  flag%  " + "  ".join(f"{100 * row['flagged']:6.2f}" for row in rows))
        print("  kept%  " + "  ".join(f"{100 * row['kept_accuracy']:6.2f}" if row["kept_accuracy"] is not None else "     -"
                                      for row in rows))


if __name__ == "__main__":
    sys.exit(run_script(main))
