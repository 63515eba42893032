"""docs/draw.png: `letters draw` in headless Chromium with a B drawn by mouse and its top unit hovered.

    python scripts/make_draw_screenshot.py [--model FILE] [--out docs/draw.png]
    python scripts/make_draw_screenshot.py --quick --out /tmp/draw.png   # a smoke test: 3 probes for the labels

Needs Debian's chromium and Playwright for Python (pip install -e ".[dev]"); drives the page
exactly as tests/app/test_draw_browser.py does (letters.app.browser), with the analysis's full
probe count for the labels.
"""

import argparse
import sys
from pathlib import Path

from letters.alphabet import CLASSES
from letters.app.browser import browser_page, draw_letter, prediction, serving, settle, why_no_browser
from letters.config import DrawConfig
from letters.errors import LettersError, run_script
from letters.files import atomic_file, check_output_file
from letters.network.shipped import DEFAULT_MODEL

ROOT = Path(__file__).resolve().parent.parent
QUICK_PROBES = 3  # as the draw page's browser test labels the units


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "draw.png")
    parser.add_argument("--letter", default="B")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_PROBES} probes for the unit labels: a smoke test, not the picture")
    args = parser.parse_args(argv)
    if args.letter not in CLASSES:
        raise LettersError(f"--letter {args.letter}: draw one of {', '.join(CLASSES)}")
    if args.out.suffix.lower() != ".png":
        raise LettersError(f"--out {args.out}: give a .png file")
    check_output_file(args.out, "--out ")
    reason = why_no_browser()
    if reason:
        sys.exit(f"make_draw_screenshot: {reason}")
    with serving(args.model, probes=QUICK_PROBES if args.quick else DrawConfig.probes) as url, browser_page(url) as page:
        draw_letter(page, args.letter)
        print(f"the network says {prediction(page)}")
        page.locator("#units .unit").first.hover()
        settle(page)
        image = page.screenshot(full_page=True)
    with atomic_file(args.out) as f:
        f.write(image)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    sys.exit(run_script(main))
