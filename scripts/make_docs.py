"""Rebuild the pictures in docs/ that README.md shows, from the shipped model.

    python scripts/make_docs.py
    python scripts/make_docs.py --quick --out /tmp/docs --report /tmp/report   # a smoke test: 20 probes, no browser

docs/sheet.png (generator samples coloured by role), docs/curves.png (the shipped model's training
curves), docs/weights.png, docs/roles.png and docs/misclassification.png (the analysis of the shipped
model, as `letters analyze --out` draws it: its example.png, under the name README.md shows) and
docs/analysis.json (the numbers behind the README's example: unit counts, dissection baselines,
lookalike pairs, the text's example). The whole report goes to build/report/report.html;
docs/report.png is the top 1200x2400 px of it in headless Chromium (Debian's, through Playwright,
as the browser tests drive it), skipped with a line saying why when no browser is installed.
"""

import argparse
import sys
from pathlib import Path

from letters.config import AnalysisConfig, DatasetConfig
from letters.drawing.generator import generate_tensors
from letters.drawing.sheet import render_sheet
from letters.errors import run_script
from letters.files import atomic_file, check_output_folder
from letters.network.checkpoint import load_model
from letters.network.novelty import load_novelty
from letters.network.shipped import DEFAULT_MODEL
from letters.show.json import as_json, dumps
from letters.show.pictures import save_image
from letters.show.report import write_report
from letters.show.words import example_verdict
from letters.study.analysis import analyze_model

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
QUICK_PROBES = 20
PICTURES = {"weights.png": "weights.png", "roles.png": "roles.png", "example.png": "misclassification.png"}  # report's -> docs'
KEEP = ("dims", "probes", "counts", "blank_active", "dissection_baselines", "lookalikes", "example")  # analysis.json's sections


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS, help="folder for the pictures and analysis.json (default: docs)")
    parser.add_argument("--report", type=Path, default=ROOT / "build" / "report", help="folder for the whole report")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_PROBES} probes a stroke and no screenshot: a smoke test, not the docs")
    args = parser.parse_args(argv)
    docs: Path = args.out
    check_output_folder(docs, ["sheet.png", "curves.png", "analysis.json", "report.png", *PICTURES.values()], "--out ")
    check_output_folder(args.report, ["report.html"], "--report ")
    docs.mkdir(parents=True, exist_ok=True)
    tensors = generate_tensors(DatasetConfig(count=300, seed=0))
    save_image(render_sheet(tensors["images"], tensors["owners"], tensors["labels"]), docs / "sheet.png")
    copy(DEFAULT_MODEL.with_name("letters-mlp.curves.png"), docs / "curves.png")
    model, checkpoint = load_model(DEFAULT_MODEL)
    config = AnalysisConfig(probes=QUICK_PROBES) if args.quick else AnalysisConfig()
    report, probes = analyze_model(model, config, novelty=load_novelty(checkpoint))  # as `letters analyze` runs it
    files = write_report(args.report, model, probes, report, checkpoint)
    for name, docs_name in PICTURES.items():
        copy(files[name], docs / docs_name)
    data = as_json(report)
    with atomic_file(docs / "analysis.json", "w", encoding="utf-8") as f:
        f.write(dumps({k: data[k] for k in KEEP if k in data}, indent=1) + "\n")
    print(f"report: {files['report.html']}")
    if args.quick:
        print(f"{docs / 'report.png'} not rebuilt: --quick")
    else:
        screenshot(files["report.html"], docs / "report.png")
    print("\n".join(example_verdict(report.example)) if report.example else "no example measured")


def copy(source: Path, target: Path) -> None:
    """`target` replaced whole by `source`'s bytes, never written through a link."""
    with atomic_file(target) as f:
        f.write(Path(source).read_bytes())


def screenshot(page_file: Path | str, out: Path) -> None:
    from letters.app.browser import browser_page, why_no_browser

    reason = why_no_browser()
    if reason:
        print(f"{out} not rebuilt: {reason}")
        return
    with browser_page(Path(page_file).resolve().as_uri(), viewport={"width": 1200, "height": 2400}, ready=None) as page:
        image = page.screenshot()
    with atomic_file(out) as f:
        f.write(image)
    print(f"wrote {out}")


if __name__ == "__main__":
    sys.exit(run_script(main))
