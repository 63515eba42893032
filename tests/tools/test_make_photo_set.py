"""scripts/make_photo_set.py: seeded synthetic photos of letters on paper, for evaluation only."""

import csv
import subprocess
import sys

import pytest
from conftest import ROOT
from PIL import Image

pytest.importorskip("skimage")  # the page-texture kind reads scikit-image's photos of pages
SCRIPT = ROOT / "scripts" / "make_photo_set.py"
KINDS = {"ramp", "vignette", "shadow", "grey-paper", "cream", "lined", "squared", "pencil", "ballpoint",
         "marker", "blur", "tilt", "small", "page-texture", "desk"}


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=180)


def _files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def quick_sets(tmp_path_factory):
    """The --quick set built twice with one seed, in two fresh folders."""
    roots = [tmp_path_factory.mktemp("photos") / name for name in ("first", "second")]
    for root in roots:
        done = _run("--quick", "--seed", 5, "--out", root)
        assert done.returncode == 0, done.stderr
    return roots


def test_the_quick_set_is_an_image_folder_with_a_manifest_of_every_photo(quick_sets):
    root = quick_sets[0]
    assert sorted(p.name for p in root.iterdir()) == ["A", "B", "C", "manifest.csv"]
    photos = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.jpg"))
    assert len(photos) == sum(1 for p in root.rglob("*") if p.is_file()) - 1  # nothing but photos and the manifest
    assert {p.split("/")[0] for p in photos} == {"A", "B", "C"}
    with open(root / "manifest.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["file", "letter", "source", "kind", "seed"]
    assert sorted(row["file"] for row in rows) == photos  # one row per file, no more
    for row in rows:
        assert row["kind"] in KINDS and row["source"] in {"hw", "real", "gen"}
        assert row["file"].startswith(f"{row['letter']}/{row['source']}-") and row["file"].endswith(f"-{row['kind']}.jpg")
        with Image.open(root / row["file"]) as image:
            assert image.format == "JPEG" and image.mode == "RGB" and max(image.size) <= 400
    assert len({row["kind"] for row in rows}) == 3 and {row["source"] for row in rows} == {"hw", "real", "gen"}
    assert not [p for p in root.parent.iterdir() if p.name.startswith(".")]  # the temporary folder was renamed away


def test_the_same_seed_gives_byte_identical_files(quick_sets):
    first, second = (_files(root) for root in quick_sets)
    assert first.keys() == second.keys() and first == second


def test_an_existing_non_empty_out_is_refused_in_one_line_and_left_untouched(tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine\n")
    done = _run("--quick", "--out", out)
    assert done.returncode == 1  # a LettersError: one line, exit 1, as every tool
    assert len(done.stderr.strip().splitlines()) == 1 and str(out) in done.stderr
    assert _files(out) == {"keep.txt": b"mine\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]  # no temporary folder beside it either
