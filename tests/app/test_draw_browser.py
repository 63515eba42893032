"""End to end in a real headless Chromium: draw A, B and C with the mouse, read the answer
and the unit bars, hide strokes and see the answer change, file a drawing with --collect.
Skips, saying why, where Chromium or Playwright is missing (.ci/run installs both)."""

import pytest

from letters.app.browser import B_LOWER_BOWL_POINT, LETTERS, browser_page, clear, draw_letter, prediction, serving, settle, to_screen, why_no_browser
from letters.network.checkpoint import load_model
from letters.network.predict import classify, load_input
from letters.network.shipped import DEFAULT_MODEL

REASON = why_no_browser()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"end-to-end browser test skipped: {REASON}")


def test_draw_letters_hide_strokes_and_collect_in_chromium(tmp_path):
    collect = tmp_path / "collected"
    # the shipped model: a tiny test model cannot be trusted to read mouse-drawn letters
    with serving(DEFAULT_MODEL, collect, probes=3) as url, browser_page(url) as page:
        for letter in "ABC":
            clear(page)
            draw_letter(page, letter)
            assert prediction(page) == letter
            bars = page.locator("#units .unit .bar")
            assert bars.count() > 0 and bars.first.bounding_box()["width"] > 0
            assert page.locator("#seen").get_attribute("src").startswith("data:image/png")
            assert page.locator(".stroke-chip").count() == len(LETTERS[letter])

        # hover a unit: its incoming weights, bias and blank-page firing
        page.locator("#units .unit").first.hover()
        assert page.locator("#detail img").get_attribute("src").startswith("data:image/png")
        assert "blank page" in page.locator("#detail").inner_text()

        # save the C as PNG: a file classify reads as the same letter
        with page.expect_download() as download:
            page.click("#save")
        saved = tmp_path / "saved.png"
        download.value.save_as(saved)
        model, checkpoint = load_model(DEFAULT_MODEL)
        assert classify(model, checkpoint["classes"], [load_input(saved)])[0].prediction == "C"

        # file the C, then check the file is what the network read
        page.click("#file-C")
        page.wait_for_selector("#status:has-text('filed')", timeout=30_000)
        files = list((collect / "C").glob("*.png"))
        assert len(files) == 1 and classify(model, checkpoint["classes"], [load_input(files[0])])[0].prediction == "C"

        # a B without its bowls: tap the lower bowl on the canvas, hide the upper one by its button
        clear(page)
        draw_letter(page, "B")
        assert prediction(page) == "B"
        before = page.locator("#prob-B").inner_text()
        page.mouse.click(*to_screen(page, B_LOWER_BOWL_POINT))
        settle(page)
        assert page.locator(".stroke-chip.hidden").count() == 1
        page.locator(".stroke-chip[data-index='1']").click()
        settle(page)
        assert page.locator(".stroke-chip.hidden").count() == 2
        assert prediction(page) != "B" and page.locator("#prob-B").inner_text() != before
        page.screenshot(path=str(tmp_path / "draw.png"))
        assert (tmp_path / "draw.png").stat().st_size > 10_000
        assert not page.locator("#status.error").count()
