"""Rebuild the pictures in docs/ that README.md shows, from the shipped model.

    python scripts/make_docs.py

docs/sheet.png (generator samples coloured by role), docs/curves.png (the shipped
model's training curves), docs/weights.png, docs/roles.png and docs/misclassification.png
(the analysis of the shipped model) and docs/analysis.json (the numbers behind them).
"""

import json
import shutil
from pathlib import Path

from letters.analysis import analyze, build_probes
from letters.checkpoint import load_model
from letters.config import AnalysisConfig, DatasetConfig, GeneratorConfig
from letters.generator import generate_tensors
from letters.pictures import render_sheet, save_image
from letters.report import misclassification_panel, role_heatmap, weight_grid
from letters.shipped import DEFAULT_MODEL

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    tensors = generate_tensors(DatasetConfig(count=300, seed=0))
    save_image(render_sheet(tensors["images"], tensors["owners"], tensors["labels"]), DOCS / "sheet.png")
    shutil.copyfile(DEFAULT_MODEL.with_name("letters-mlp.curves.png"), DOCS / "curves.png")
    model, _ = load_model(DEFAULT_MODEL)
    config = AnalysisConfig()
    probes = build_probes(config, GeneratorConfig())
    report = analyze(model, config, GeneratorConfig(), probes)
    save_image(weight_grid(model, report["units"][:32]), DOCS / "weights.png")
    top = sorted(report["units"], key=lambda u: -u["ablation_cost"])[:24]
    save_image(role_heatmap(top), DOCS / "roles.png")
    save_image(misclassification_panel(probes, report), DOCS / "misclassification.png")
    (DOCS / "analysis.json").write_text(json.dumps(report["misclassification"], indent=1) + "\n")
    print("\n".join(report["misclassification"]["summary"]))


if __name__ == "__main__":
    main()
