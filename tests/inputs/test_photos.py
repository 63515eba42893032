"""Photos (issue 9): a sheet on a mid-grey table, vignetting, chalk on a framed board, and
photos big enough to reach Pillow's decompression-bomb guard inside preprocessing. Each is
made here, synthetically, and read with the shipped model."""

import json
import warnings

import pytest
from conftest import SHIPPED_MODEL, draw_letter
from PIL import Image, ImageChops, ImageDraw

from letters.app.cli import app
from letters.inputs import preprocess as pre


def _noise(image: Image.Image, sigma: float = 6) -> Image.Image:
    return ImageChops.add(image, Image.effect_noise(image.size, sigma), offset=-128)


def sheet_photo(letter, size=(640, 480), table=128, paper=235, sheet=(0.2, 0.12, 0.8, 0.9), angle=0.0,
                vignette=0.0, ink=40) -> Image.Image:
    """A white sheet with a letter on a table, perhaps turned, perhaps darkened towards the corners."""
    w, h = size
    photo = Image.new("L", size, table)
    x0, y0, x1, y1 = (int(v * s) for v, s in zip(sheet, (w, h, w, h)))
    page = Image.new("L", (x1 - x0, y1 - y0), paper)
    side = int(min(page.size) * 0.6)
    page.paste(draw_letter(letter, size=side, width=max(4, side // 12), ink=ink, paper=paper),
               ((page.size[0] - side) // 2, (page.size[1] - side) // 2))
    mask = Image.new("L", page.size, 255)
    if angle:
        page = page.rotate(angle, expand=True, resample=Image.Resampling.BILINEAR)
        mask = mask.rotate(angle, expand=True)
    photo.paste(page, ((x0 + x1 - page.size[0]) // 2, (y0 + y1 - page.size[1]) // 2), mask)
    if vignette:
        fall = Image.radial_gradient("L").resize(size).point(lambda v: int(255 - vignette * v))
        photo = ImageChops.multiply(photo, fall)
    return _noise(photo)


def chalk_photo(letter, size=(640, 480), frame=140, board=40, ink=225) -> Image.Image:
    """Light chalk on a dark board in a mid-grey frame."""
    w, h = size
    photo = Image.new("L", size, frame)
    photo.paste(board, (w // 10, h // 10, w - w // 10, h - h // 10))
    side = int(h * 0.56)
    photo.paste(draw_letter(letter, size=side, width=12, ink=ink, paper=board), ((w - side) // 2, (h - side) // 2))
    return _noise(photo)


PHOTOS = {
    "sheet on a mid-grey table": lambda c: sheet_photo(c),
    "sheet on a dark table": lambda c: sheet_photo(c, table=90),
    "turned sheet": lambda c: sheet_photo(c, angle=8),
    "small sheet": lambda c: sheet_photo(c, sheet=(0.35, 0.3, 0.65, 0.7)),
    "sheet with vignetting": lambda c: sheet_photo(c, vignette=0.45),
    "sheet to the top and bottom edges": lambda c: sheet_photo(c, sheet=(0.1, 0.0, 0.9, 1.0)),
    "paper filling the frame, strong vignetting": lambda c: sheet_photo(c, sheet=(0, 0, 1, 1), vignette=0.7, paper=245),
    "chalk on a framed board": lambda c: chalk_photo(c),
}


@pytest.mark.parametrize("kind", PHOTOS)
def test_photos_are_read_as_the_letter_on_the_paper(kind, runner, tmp_path):
    for letter in "ABC":
        PHOTOS[kind](letter).convert("RGB").save(tmp_path / f"{letter}.jpg", quality=90)
    result = runner.invoke(app, ["classify", str(tmp_path), "--json", "--model", str(SHIPPED_MODEL)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["prediction"] for r in records] == ["A", "B", "C"], records
    assert all(r["probabilities"][r["prediction"]] > 0.9 for r in records), records


def test_drawings_whose_border_is_the_paper_keep_the_plain_path(monkeypatch):
    """Plain drawings (and every generated glyph: light ink on a black border) never look for paper."""
    def fail(*args):
        raise AssertionError("the photo path was taken")

    monkeypatch.setattr(pre, "read_photo", fail)
    for image in (draw_letter("A"), draw_letter("B", ink=255, paper=0), draw_letter("C", ink=90, paper=200)):
        pre.preprocess(image)


def test_a_48_megapixel_photo_with_huge_ink_is_classified_without_warnings(runner, tmp_path, monkeypatch):
    big = Image.new("1", (8000, 6000), 1)
    draw = ImageDraw.Draw(big)
    # an A whose ink spans 7,400 px: its 28x28 frame covers over 100 megapixels of the source
    draw.line([(300, 5900), (4000, 100), (7700, 5900)], fill=0, width=500)
    draw.line([(1900, 3600), (6100, 3600)], fill=0, width=500)
    for letter in "ABC":
        (tmp_path / "set" / letter).mkdir(parents=True)
    big.save(tmp_path / "set" / "A" / "big.png")
    draw_letter("B").save(tmp_path / "set" / "B" / "b.png")
    draw_letter("C").save(tmp_path / "set" / "C" / "c.png")
    monkeypatch.chdir(tmp_path)
    for args in (["classify", "set", "--json"], ["evaluate", "set", "--json"],
                 ["train", "--data", "set", "--out", "m.pt", "--epochs", "1", "--hidden", "4", "--json"]):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # Pillow's DecompressionBombWarning would print two lines
            result = runner.invoke(app, args)
        assert result.exit_code == 0 and result.stderr == "", (args, result.output)
        if args[0] == "classify":
            records = [json.loads(line) for line in result.stdout.splitlines()]
            assert [r["prediction"] for r in records] == ["A", "B", "C"], records
        else:
            assert json.loads(result.stdout)["failed"] == []


def test_imagefolder_train_reports_each_bad_file_and_trains_on_the_rest(runner, tmp_path):
    for letter in "ABC":
        (tmp_path / letter).mkdir()
        draw_letter(letter).save(tmp_path / letter / "good.png")
    (tmp_path / "A" / "cut.png").write_bytes((tmp_path / "A" / "good.png").read_bytes()[:100])
    result = runner.invoke(app, ["train", "--data", str(tmp_path), "--out", str(tmp_path / "m.pt"), "--epochs", "1",
                                 "--hidden", "4"])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(tmp_path / "A" / "cut.png") in lines[0] and "truncated" in lines[0], lines
    assert (tmp_path / "m.pt").is_file()
