"""Driving `letters draw` (and any page) in a real headless Chromium (Debian's, through Playwright for
Python, a dev extra imported only when a page opens): the draw page's end-to-end test
(tests/app/test_draw_browser.py) and the docs' screenshots (scripts/make_draw_screenshot.py,
scripts/make_docs.py) drive the page with these same functions. Nothing else in the package imports it.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT: ViewportSize = {"width": 1200, "height": 900}


def why_no_browser() -> str | None:
    """None when the end-to-end test can run, else the reason it cannot."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    return None


def _arc(cx, cy, rx, ry, a0, a1, n=14):
    return [(cx + rx * math.cos(math.radians(a0 + (a1 - a0) * i / n)), cy + ry * math.sin(math.radians(a0 + (a1 - a0) * i / n)))
            for i in range(n + 1)]


# Letters as strokes, in fractions of the canvas, drawn the way a person would.
LETTERS = {
    "A": [[(0.2, 0.85), (0.5, 0.15)], [(0.5, 0.15), (0.8, 0.85)], [(0.33, 0.6), (0.67, 0.6)]],
    "B": [[(0.3, 0.15), (0.3, 0.85)],  # spine, upper bowl, lower bowl
          [(0.3, 0.15), (0.5, 0.15), *_arc(0.5, 0.3, 0.17, 0.15, -90, 90), (0.3, 0.45)],
          [(0.3, 0.45), (0.52, 0.45), *_arc(0.52, 0.65, 0.2, 0.2, -90, 90), (0.3, 0.85)]],
    "C": [_arc(0.5, 0.5, 0.3, 0.35, -40, -320, 24)],
}
B_LOWER_BOWL_POINT = (0.72, 0.65)  # on the lower bowl's outer edge, away from the other strokes


@contextlib.contextmanager
def serving(model: Path, collect: Path | None = None, probes: int = 20):
    """A real uvicorn server on a free port in a thread; yields its URL."""
    from letters.app.drawpad import Pad
    from letters.app.drawserver import DrawServer
    from letters.config import DrawConfig

    config = DrawConfig(port=0, probes=probes)
    server = DrawServer(config, collect)
    server.attach(Pad.load(model, config))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while server.server is not None and not server.server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield server.url
    finally:
        server.stop()
        thread.join(10)


@contextlib.contextmanager
def browser_page(url: str, viewport: ViewportSize = VIEWPORT, ready: str | None = "body[data-ready='1']"):
    """A page at url once `ready` matches (the draw page sets it; None: once it has loaded)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=viewport, accept_downloads=True)
            page.goto(url)
            if ready is not None:
                page.wait_for_selector(ready, timeout=30_000)
            yield page
        finally:
            browser.close()


def settle(page) -> None:
    """Wait until the page has no update in flight or waiting."""
    page.wait_for_selector("body[data-idle='1']", state="attached", timeout=30_000)


def to_screen(page, point):
    box = page.locator("#pad").bounding_box()
    return box["x"] + point[0] * box["width"], box["y"] + point[1] * box["height"]


def draw_letter(page, letter: str) -> None:
    """Mouse strokes on the canvas, with intermediate moves so the page updates while drawing."""
    for stroke in LETTERS[letter]:
        page.mouse.move(*to_screen(page, stroke[0]))
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*to_screen(page, point), steps=2)
        page.mouse.up()
    settle(page)


def prediction(page) -> str:
    settle(page)
    return page.locator("#prediction").inner_text().strip()


def clear(page) -> None:
    page.click("#clear")
    settle(page)
