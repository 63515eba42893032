"""Rebuild the pictures in docs/ that README.md shows, from the shipped model.

    python scripts/make_docs.py

docs/sheet.png (generator samples coloured by role), docs/curves.png (the shipped
model's training curves), docs/weights.png, docs/roles.png and docs/misclassification.png
(the analysis of the shipped model) and docs/analysis.json (the numbers behind the
README's example: labels, dissection baselines, lookalike pairs, the misclassification
section). The whole report goes to build/report/report.html; docs/report.png is the top
1200x2400 px of it in headless Chromium (Debian's, through Playwright, as the browser tests
drive it), skipped with a line saying why when no browser is installed.
"""

import json
import shutil
import sys
from dataclasses import asdict
from pathlib import Path

from letters.config import AnalysisConfig, DatasetConfig
from letters.drawing.generator import generate_tensors
from letters.network.checkpoint import load_model
from letters.network.shipped import DEFAULT_MODEL
from letters.show.pictures import render_sheet, save_image
from letters.show.report import write_report
from letters.study.analysis import analyze_model

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
    screenshot(files["report.html"], DOCS / "report.png")
    print("\n".join(report.misclassification.summary))


def screenshot(page_file: Path | str, out: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import browser_page, why_no_browser

    reason = why_no_browser()
    if reason:
        print(f"docs/report.png not rebuilt: {reason}")
        return
    with browser_page(Path(page_file).resolve().as_uri(), viewport={"width": 1200, "height": 2400}, ready=None) as page:
        page.screenshot(path=str(out))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
