"""Rebuild the pictures in docs/ that README.md shows, from the shipped model.

    python scripts/make_docs.py

docs/sheet.png (generator samples coloured by role), docs/curves.png (the shipped
model's training curves), docs/weights.png, docs/roles.png and docs/misclassification.png
(the analysis of the shipped model) and docs/analysis.json (the numbers behind the
README's example: labels, dissection baselines, lookalike pairs, the misclassification
section). The whole report goes to build/report/report.html; docs/report.png is its
screenshot (see README).
"""

import json
import shutil
from dataclasses import asdict
from pathlib import Path

from letters.analysis import analyze_model
from letters.checkpoint import load_model
from letters.config import AnalysisConfig, DatasetConfig
from letters.generator import generate_tensors
from letters.pictures import render_sheet, save_image
from letters.report import write_report
from letters.shipped import DEFAULT_MODEL

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    tensors = generate_tensors(DatasetConfig(count=300, seed=0))
    save_image(render_sheet(tensors["images"], tensors["owners"], tensors["labels"]), DOCS / "sheet.png")
    shutil.copyfile(DEFAULT_MODEL.with_name("letters-mlp.curves.png"), DOCS / "curves.png")
    model, checkpoint = load_model(DEFAULT_MODEL)
    report, probes = analyze_model(model, AnalysisConfig())
    files = write_report(ROOT / "build" / "report", model, probes, report, history=checkpoint["metrics"].get("history"))
    for name in ("weights.png", "roles.png", "misclassification.png"):
        shutil.copyfile(files[name], DOCS / name)
    data = asdict(report)
    keep = ("dims", "probes", "label_counts", "blank_active", "clean_units", "dissection_baselines", "lookalikes",
            "misclassification")
    (DOCS / "analysis.json").write_text(json.dumps({k: data[k] for k in keep}, indent=1) + "\n")
    print(f"report: {files['report.html']}")
    print("\n".join(report.misclassification.summary))


if __name__ == "__main__":
    main()
