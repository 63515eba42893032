"""research/recapture.py: the same real letters captured as a stylus, a felt pen, a coarse scan."""

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, SHIPPED_MODEL
from PIL import Image, ImageDraw

pytest.importorskip("skimage")
sys.path.insert(0, str(ROOT / "research"))
import recapture  # noqa: E402  (a script, imported for its capture functions)

SHAPES = {"A": lambda d: d.line([(5, 24), (14, 3), (23, 24)], fill=255, width=3),
          "B": lambda d: (d.line([(8, 3), (8, 24)], fill=255, width=3), d.arc((2, 3, 20, 14), 270, 90, fill=255, width=3),
                          d.arc((2, 13, 22, 24), 270, 90, fill=255, width=3)),
          "C": lambda d: d.arc((5, 4, 23, 24), 45, 315, fill=255, width=3)}


def _scan(draw_ink) -> np.ndarray:
    """A 28x28 scan, white ink on black as EMNIST stores it."""
    image = Image.new("L", (28, 28), 0)
    draw_ink(ImageDraw.Draw(image))
    return np.asarray(image)


def _letter_set(root, extra=()):
    for letter, draw_ink in SHAPES.items():
        (root / letter).mkdir(parents=True)
        Image.fromarray(_scan(draw_ink)).save(root / letter / f"{letter}.png")
    for name, image in extra:
        image.save(root / name)
    return root


def _run(*args):
    script = [sys.executable, str(ROOT / "research" / "recapture.py"), "--model", str(SHIPPED_MODEL)]
    return subprocess.run([*script, *map(str, args)], capture_output=True, text=True, timeout=120)


def test_the_centre_line_of_a_thick_bar_is_one_pixel_wide_and_runs_its_length():
    bar = _scan(lambda d: d.rectangle((4, 11, 23, 16), fill=255))  # 20 px long, 6 px thick
    line = recapture.centre_line(bar, 8)
    columns = line.any(axis=0).nonzero()[0]
    assert columns.max() - columns.min() >= 8 * 20 - 8 * 6  # its length, less what the ends give up
    middle = line[:, 8 * 14]
    assert middle.sum() == 1 and 8 * 11 <= middle.nonzero()[0][0] <= 8 * 17  # one pixel, inside the bar


@pytest.mark.parametrize("width", [1, 2, 3])
def test_a_stylus_pen_is_as_wide_as_its_name(width):
    bar = _scan(lambda d: d.rectangle((4, 11, 23, 16), fill=255))
    trace = np.asarray(recapture.stylus(bar, 8, width, dark_on_light=False)) > 127
    assert trace[:, 8 * 14].sum() == width  # across the middle of the bar's centre line


def test_a_stylus_copy_is_a_thin_trace_in_either_polarity():
    ring = _scan(lambda d: d.ellipse((5, 5, 22, 22), outline=255, width=4))
    dark = np.asarray(recapture.stylus(ring, 8, 1, dark_on_light=True))
    light = np.asarray(recapture.stylus(ring, 8, 1, dark_on_light=False))
    assert dark.shape == (224, 224) and np.array_equal(dark, 255 - light)
    # a ring 4 px thick at 28 px traced 1 px wide at 224 px: about its circumference in pixels, not its area
    assert 2.5 * 8 * 13 < (light > 127).sum() < 4 * 8 * 13 * 1.5


def test_a_joined_copy_runs_on_to_the_right_from_the_letters_foot():
    a = _scan(SHAPES["A"])
    crop = np.asarray(recapture.joined(a))
    assert crop.shape == (28, 35)
    left, letter = crop[:, :20] > 127, a[:, :20] > 127  # the letter's own left part, away from the ligature
    assert (left & letter).sum() >= 0.8 * (left | letter).sum()
    assert (crop[:, 30:] > 127).any()  # ink reaches the next letter's side of the crop


def test_recapture_scores_every_capture_and_refuses_an_out_in_use(tmp_path):
    done = _run("--set", _letter_set(tmp_path / "set"), "--out", tmp_path / "out", "--json")
    assert done.returncode == 0, done.stderr
    captures = json.loads(done.stdout)["captures"]
    assert [row["capture"] for row in captures] == list(recapture.CAPTURES)
    assert all(row["n"] == 3 and set(row["per_class"]) == {"A", "B", "C"} and row["cross_entropy"] >= 0 for row in captures)
    assert Image.open(tmp_path / "out" / "stylus" / "B" / "B.png").size == (224, 224)
    before = sorted(str(p) for p in (tmp_path / "out").rglob("*"))
    again = _run("--set", tmp_path / "set", "--out", tmp_path / "out")
    assert again.returncode != 0 and len(again.stderr.strip().splitlines()) == 1 and "Traceback" not in again.stderr
    assert sorted(str(p) for p in (tmp_path / "out").rglob("*")) == before


def test_unusable_files_are_one_line_each_and_the_rest_is_scored(tmp_path):
    rgba = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).line([(10, 5), (10, 35)], fill=(0, 0, 0, 255), width=4)  # black ink on transparency
    (tmp_path / "damaged.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    root = _letter_set(tmp_path / "set", [("A/blank.png", Image.new("L", (28, 28), 0)), ("C/alpha.png", rgba)])
    (root / "B" / "damaged.png").write_bytes((tmp_path / "damaged.png").read_bytes())
    Image.open(root / "A" / "A.png").convert("RGB").save(root / "A" / "x.jpg")  # the same stem as x.png: both kept
    Image.open(root / "A" / "A.png").save(root / "A" / "x.png")
    done = _run("--set", root, "--json")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and any("blank.png" in line for line in lines) and any("damaged.png" in line for line in lines)
    report = json.loads(done.stdout)
    assert {row["n"] for row in report["captures"]} == {6}  # A, x.png, x.jpg, B, C and the transparent one
    assert len(report["failed"]) == 2


@pytest.mark.parametrize("problem", ["missing", "file", "no letters", "out's folder missing"])
def test_a_bad_set_or_out_is_one_line_and_writes_nothing(tmp_path, problem):
    (tmp_path / "afile").write_text("x")
    (tmp_path / "empty").mkdir()
    args = {"missing": ("--set", tmp_path / "nowhere"), "file": ("--set", tmp_path / "afile"),
            "no letters": ("--set", tmp_path / "empty"),
            "out's folder missing": ("--set", _letter_set(tmp_path / "set"), "--out", tmp_path / "afile" / "sub")}[problem]
    done = _run(*args, "--out" if "--out" not in args else "--json", *(() if "--out" in args else (tmp_path / "out",)))
    assert done.returncode != 0 and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".*"))
