"""scripts/recapture.py: the same real letters captured as a stylus, a felt pen, a coarse scan."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageDraw

from conftest import ROOT, SHIPPED_MODEL

pytest.importorskip("skimage")
sys.path.insert(0, str(ROOT / "scripts"))
import recapture  # noqa: E402  (a script, imported for its capture functions)


def _scan(draw_ink) -> np.ndarray:
    """A 28x28 scan, white ink on black as EMNIST stores it."""
    image = Image.new("L", (28, 28), 0)
    draw_ink(ImageDraw.Draw(image))
    return np.asarray(image)


def test_the_centre_line_of_a_thick_bar_is_one_pixel_wide_and_runs_its_length():
    bar = _scan(lambda d: d.rectangle((4, 11, 23, 16), fill=255))  # 20 px long, 6 px thick
    line = recapture.centre_line(bar, 8)
    columns = line.any(axis=0).nonzero()[0]
    assert columns.max() - columns.min() >= 8 * 20 - 8 * 6  # its length, less what the ends give up
    middle = line[:, 8 * 14]
    assert middle.sum() == 1 and 8 * 11 <= middle.nonzero()[0][0] <= 8 * 17  # one pixel, inside the bar


def test_a_stylus_copy_is_a_thin_trace_in_either_polarity():
    ring = _scan(lambda d: d.ellipse((5, 5, 22, 22), outline=255, width=4))
    dark = np.asarray(recapture.stylus(ring, 8, 1, dark_on_light=True))
    light = np.asarray(recapture.stylus(ring, 8, 1, dark_on_light=False))
    assert dark.shape == (224, 224) and np.array_equal(dark, 255 - light)
    ink = light > 127
    # a ring 4 px thick at 28 px traced 1 px wide at 224 px: about its circumference in pixels, not its area
    assert 2.5 * 8 * 13 < ink.sum() < 4 * 8 * 13 * 1.5
    assert np.array_equal(recapture.ink_high(Image.fromarray(dark)), light)  # paper found from the border


def test_recapture_scores_every_capture_and_refuses_an_out_in_use(tmp_path):
    shapes = {"A": lambda d: d.line([(5, 24), (14, 3), (23, 24)], fill=255, width=3),
              "B": lambda d: (d.line([(8, 3), (8, 24)], fill=255, width=3), d.arc((2, 3, 20, 14), 270, 90, fill=255, width=3),
                              d.arc((2, 13, 22, 24), 270, 90, fill=255, width=3)),
              "C": lambda d: d.arc((5, 4, 23, 24), 45, 315, fill=255, width=3)}
    for letter, draw_ink in shapes.items():
        (tmp_path / "set" / letter).mkdir(parents=True)
        Image.fromarray(_scan(draw_ink)).save(tmp_path / "set" / letter / f"{letter}.png")
    script = [sys.executable, str(ROOT / "scripts" / "recapture.py"), "--model", str(SHIPPED_MODEL), "--set", str(tmp_path / "set")]
    done = subprocess.run([*script, "--out", str(tmp_path / "out"), "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    captures = json.loads(done.stdout)["captures"]
    assert list(captures) == list(recapture.CAPTURES)
    assert all(row["n"] == 3 and 0 <= row["accuracy"] <= 1 and set(row["per_class"]) == {"A", "B", "C"} for row in captures.values())
    assert Image.open(tmp_path / "out" / "stylus" / "B" / "B.png").size == (224, 224)
    before = sorted(p.name for p in (tmp_path / "out").rglob("*"))
    again = subprocess.run([*script, "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and len(again.stderr.strip().splitlines()) == 1 and "Traceback" not in again.stderr
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == before
