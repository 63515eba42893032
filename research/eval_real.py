"""Score a model on everything real it never trained on, side by side and per class:
data/real by source (fonts, stroke fonts, mouse drawings; each drawing saved three ways),
data/handwriting (scanned hand-printed letters), and how often the none-of-the-letters
detector flags each set, data/nonletters included (where flagging is the right answer), and
fresh generated near misses (a seed the detector never trained on).

    python research/eval_real.py [--model FILE] [--json]
    python research/eval_real.py --quick      # a smoke test: 6 files a folder, 2 near misses a form
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import torch

from letters.config import GeneratorConfig
from letters.drawing.generator import generate_non_letters
from letters.drawing.nonletters import NON_LETTER_FORMS
from letters.errors import run_script
from letters.network.checkpoint import load_model
from letters.network.novelty import load_novelty, novelty_scores
from letters.network.predict import load_input, probabilities
from letters.network.shipped import DEFAULT_MODEL
from letters.study.stats import wilson as wilson_rate

ROOT = Path(__file__).resolve().parent.parent
GENERATED_SEED, GENERATED_PER_FORM = 2026, 40  # the detector trains on NoveltyConfig.seed (7): these are new
QUICK_FILES, QUICK_PER_FORM = 6, 2  # --quick: the first files of each folder (two drawings' three formats), near misses a form


def wilson(k: int, n: int) -> tuple[float, float]:
    """95% Wilson interval of k/n, from the analysis's one implementation."""
    rate = wilson_rate(k, n)
    return (rate.low, rate.high)


def by_kind(kinds: list[str], flagged: list[bool]) -> dict:
    """How many of each kind of non-letter the detector flagged: {kind: {"flagged", "n"}}."""
    counts: dict = defaultdict(lambda: [0, 0])
    for kind, hit in zip(kinds, flagged):
        counts[kind][0] += hit
        counts[kind][1] += 1
    return {k: {"flagged": f, "n": n} for k, (f, n) in sorted(counts.items())}


def load(folder: Path, labelled: bool = True, limit: int | None = None):
    """The usable images under `folder` (with `limit`, only the first so many of each folder), their
    tensors and, when `labelled`, their letters (the folder's name)."""
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".png", ".jpg"))
    if limit is not None:
        seen: dict = defaultdict(int)
        kept_files = []
        for p in files:
            seen[p.parent] += 1
            if seen[p.parent] <= limit:
                kept_files.append(p)
        files = kept_files
    loaded = [(p, load_input(p)) for p in files]
    kept = [(p, item.image) for p, item in loaded if item.image is not None]
    truth = [p.parent.name.upper() if labelled else None for p, _ in kept]
    return [p for p, _ in kept], torch.stack([image for _, image in kept]), truth


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--quick", action="store_true", help=f"the first {QUICK_FILES} files of each folder and "
                        f"{QUICK_PER_FORM} near misses a form: a smoke test, not the figures")
    args = parser.parse_args(argv)
    limit, per_form, workers = (QUICK_FILES, QUICK_PER_FORM, 1) if args.quick else (None, GENERATED_PER_FORM, 2)
    model, checkpoint = load_model(args.model)
    classes = checkpoint["classes"]
    novelty = load_novelty(checkpoint)
    out: dict = {"model": str(args.model)}

    scores: dict = {}  # set name -> none-scores, for the threshold trade-off below

    def flagged(images: torch.Tensor, name: str) -> dict | None:
        if novelty is None:
            return None
        scores[name] = novelty_scores(novelty[0], images)
        k, n = int((scores[name] >= novelty[1]).sum()), len(images)
        return {"flagged": k, "n": n, "rate": round(k / n, 4), "interval": wilson(k, n)}

    for name, folder in (("real", ROOT / "data" / "real"), ("handwriting", ROOT / "data" / "handwriting")):
        paths, images, truth = load(folder, limit=limit)
        probs = probabilities(model, images)
        pred = [classes[int(i)] for i in probs.argmax(1)]
        index = torch.tensor([classes.index(t) for t in truth])
        cross_entropy = float(-probs[torch.arange(len(index)), index].clamp_min(1e-12).log().mean())
        groups: dict = defaultdict(lambda: [0, 0])
        for path, t, p in zip(paths, truth, pred):
            for key in ("all", f"class {t}", *([f"source {path.name.split('-')[0]}"] if name == "real" else [])):
                groups[key][0] += p == t
                groups[key][1] += 1
        out[name] = {key: {"correct": k, "n": n, "accuracy": round(k / n, 4), "interval": wilson(k, n)}
                     for key, (k, n) in sorted(groups.items())}
        out[name]["cross_entropy"] = round(cross_entropy, 4)  # mean -log P(true): finer than accuracy between models
        out[name]["none_of_the_letters"] = flagged(images, name)
        if name == "real":
            by_drawing: dict = defaultdict(dict)
            for path, p in zip(paths, pred):
                fmt = "alpha" if path.stem.endswith("-alpha") else path.suffix[1:]
                by_drawing[(path.parent.name, path.stem.removesuffix("-alpha"))][fmt] = p
            complete = [d for d in by_drawing.values() if len(d) == 3]
            out[name]["same_answer_three_formats"] = {"agree": sum(len(set(d.values())) == 1 for d in complete),
                                                      "drawings": len(complete)}
    paths, images, _ = load(ROOT / "data" / "nonletters", labelled=False, limit=limit)
    out["nonletters"] = {"none_of_the_letters": flagged(images, "nonletters")}
    if novelty is not None:
        # by what was drawn: font-X-07R.png is an R, mouse-D-64.png a mouse drawing
        sources = [p.stem.split("-")[0] for p in paths]
        kinds = [source if source in ("mouse", "noise") else p.stem[-1] for source, p in zip(sources, paths)]
        out["nonletters"]["by_kind"] = by_kind(kinds, (scores["nonletters"] >= novelty[1]).tolist())
        # the generator's own near misses, every form in turn: the hardest set, by design (an 8 drawn
        # from B's strokes is one curve away from a B)
        images = generate_non_letters(len(NON_LETTER_FORMS) * per_form, GENERATED_SEED, GeneratorConfig(), workers=workers)
        out["generated"] = {"none_of_the_letters": flagged(images, "generated"), "seed": GENERATED_SEED}
        kinds = [NON_LETTER_FORMS[i % len(NON_LETTER_FORMS)][0] for i in range(len(images))]
        out["generated"]["by_kind"] = by_kind(kinds, (scores["generated"] >= novelty[1]).tolist())
        # what other thresholds would flag: the detector's trade-off, not a tuning
        out["threshold_tradeoff"] = [
            {"threshold": round(t, 3), "shipped": t == novelty[1],
             **{name: round(float((v >= t).float().mean()), 4) for name, v in scores.items()}}
            for t in sorted({0.6, 0.7, 0.8, 0.9, novelty[1]})]
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"model: {args.model}")
    for name in ("real", "handwriting"):
        print(f"{name}:")
        for key, v in out[name].items():
            if isinstance(v, dict) and "accuracy" in v:
                print(f"  {key:18s} {v['correct']:5d}/{v['n']:<5d} = {v['accuracy']:.4f}  95% CI {v['interval']}")
        print(f"  mean cross-entropy {out[name]['cross_entropy']:.4f}")
        if "same_answer_three_formats" in out[name]:
            s = out[name]["same_answer_three_formats"]
            print(f"  same answer as RGB PNG, transparent PNG and JPEG: {s['agree']}/{s['drawings']} drawings")
    for name in ("real", "handwriting", "nonletters", "generated"):
        f = out.get(name, {}).get("none_of_the_letters")
        if f:
            print(f"flagged none-of-the-letters on {name}: {f['flagged']}/{f['n']} = {f['rate']:.4f}  95% CI {f['interval']}")
    for name in ("nonletters", "generated"):
        if "by_kind" in out.get(name, {}):
            print(f"  {name} flagged by kind: " + ", ".join(f"{k} {v['flagged']}/{v['n']}"
                                                           for k, v in out[name]["by_kind"].items()))
    for row in out.get("threshold_tradeoff", []):
        print(f"  at threshold {row['threshold']:.3f}{' (the model)' if row['shipped'] else ''}: flags "
              + ", ".join(f"{name} {row[name]:.2%}" for name in ("nonletters", "generated", "real", "handwriting")))


if __name__ == "__main__":
    sys.exit(run_script(main))
