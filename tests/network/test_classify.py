"""`letters classify` and `letters evaluate` on files people actually save, with a small model
the tests train (the shipped model is checked only as the default)."""

import json

import pytest
import torch
from conftest import SHIPPED_MODEL, draw_letter
from PIL import Image

from letters.app.cli import app
from letters.study.units import CATEGORIES


def _save_all_formats(folder, letter):
    """The same drawing in every format and background the issue lists."""
    base = draw_letter(letter, size=160)
    files = {}
    coverage = base.point(lambda v: 255 - v)

    def put(name, image, **kw):
        files[name] = folder / name
        image.save(files[name], **kw)

    put("gray.png", base)
    put("rgb.png", base.convert("RGB"))
    put("palette.png", base.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE))
    put("onebit.png", base.point(lambda v: 255 if v > 127 else 0).convert("1"))
    sixteen = Image.new("I;16", base.size)
    sixteen.putdata([v * 257 for v in base.tobytes()])
    put("sixteen.png", sixteen)
    rgba = Image.new("RGBA", base.size, (0, 0, 0, 0))
    rgba.putalpha(coverage)
    put("straight-alpha.png", rgba)
    put("photo.jpg", base.convert("RGB"), quality=70)
    put("cmyk.jpg", base.convert("CMYK"))
    put("paint.bmp", base.convert("RGB"))
    put("still.gif", base.convert("P"))
    put("phone.webp", base.convert("RGB"))
    put("scan.tiff", base)
    put("wide.png", _wide(base))
    put("inverted.png", coverage)
    return files


def _wide(base):
    wide = Image.new("L", (500, 160), 255)
    wide.paste(base, (300, 0))
    return wide


@pytest.mark.parametrize("letter", ["A", "B", "C"])
def test_every_format_and_background_gives_the_right_letter(classifier, tmp_path, runner, letter):
    files = _save_all_formats(tmp_path, letter)
    result = runner.invoke(app, ["classify", "--model", str(classifier), *map(str, files.values()), "--json"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(files)
    for record in records:
        assert record["prediction"] == letter, record
        assert set(record["probabilities"]) == {"A", "B", "C"}
        assert abs(sum(record["probabilities"].values()) - 1) < 1e-4
        assert record["unsure"] is False


def test_folders_are_searched_recursively_and_errors_do_not_stop_the_batch(classifier, tmp_path, runner, letter_files):
    (tmp_path / "deep" / "er").mkdir(parents=True)
    draw_letter("C").save(tmp_path / "deep" / "er" / "c.png")
    (tmp_path / "bad.png").write_text("not an image")
    result = runner.invoke(app, ["classify", "--model", str(classifier), str(tmp_path), "--json"])
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    good = {r["path"].rsplit("/", 1)[-1]: r["prediction"] for r in records if "prediction" in r}
    assert good == {"A.png": "A", "B.png": "B", "C.png": "C", "c.png": "C"}
    bad = [r for r in records if "error" in r]
    assert len(bad) == 1 and bad[0]["path"].endswith("bad.png")


def test_table_output_and_unsure(classifier, runner, letter_files, tmp_path):
    result = runner.invoke(app, ["classify", "--model", str(classifier), str(letter_files["A"])])
    assert result.exit_code == 0
    assert "P(A)" in result.stdout and "A.png" in result.stdout
    scribble = tmp_path / "scribble.png"  # a lone vertical bar: no letter, so the answer is uncertain (an I to the detector)
    image = Image.new("L", (100, 100), 255)
    image.paste(0, (45, 10, 55, 90))
    image.save(scribble)
    def scribble_record(threshold: float) -> dict:
        out = runner.invoke(app, ["classify", "--model", str(classifier), str(scribble), "--json",
                                  "--min-confidence", str(threshold)])
        return json.loads(out.stdout)

    def low_confidence(threshold: float) -> bool:
        return "low" in (scribble_record(threshold).get("reasons") or [])

    top = max(scribble_record(0.0)["probabilities"].values())
    assert not low_confidence(0.0)
    assert low_confidence(min(1.0, top + 0.002))  # just above its top probability
    assert not low_confidence(max(0.0, top - 0.002))  # just below


def test_save_input_writes_what_the_network_saw(classifier, tmp_path, runner, letter_files):
    out = tmp_path / "seen.png"
    result = runner.invoke(app, ["classify", "--model", str(classifier), str(letter_files["B"]), "--save-input", str(out)])
    assert result.exit_code == 0, result.output
    seen = Image.open(out)
    assert seen.size == (280, 280)


def test_explain_lists_the_units_that_push_the_answer_most(classifier, runner, letter_files):
    from letters.network.checkpoint import load_model
    from letters.network.predict import load_input

    result = runner.invoke(app, ["classify", "--model", str(classifier), str(letter_files["C"]), "--explain", "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout.splitlines()[0])
    # by hand: each unit's rise over the blank page times its weight into the predicted class, largest first
    model, checkpoint = load_model(classifier)
    x = load_input(letter_files["C"]).image.flatten().float()[None] / 255.0
    with torch.no_grad():
        rise = torch.relu(model.hidden[0](x))[0] - torch.relu(model.hidden[0].bias)  # over the blank page: ReLU(bias)
        push = rise * model.output.weight[checkpoint["classes"].index(record["prediction"])]
    expected = [u for u in push.argsort(descending=True).tolist()[:5] if push[u] > 0]
    assert [u["name"] for u in record["explanation"]] == [f"L1.{u}" for u in expected]
    assert [u["push"] for u in record["explanation"]] == pytest.approx([float(push[u]) for u in expected], abs=1e-3)
    assert all(u["category"] in CATEGORIES for u in record["explanation"])


def test_evaluate_confusion_matches_a_hand_count(classifier, tmp_path, runner):
    # hand count: A/ holds two A's and one C drawing; B/ one B; C/ two C's
    layout = {"A": ["A", "A", "C"], "b": ["B"], "C": ["C", "C"]}
    for folder, drawn in layout.items():
        (tmp_path / folder).mkdir()
        for i, letter in enumerate(drawn):
            draw_letter(letter, size=100 + 10 * i).save(tmp_path / folder / f"{i}.png")
    result = runner.invoke(app, ["evaluate", "--model", str(classifier), str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 6
    assert report["confusion"] == [[2, 0, 1], [0, 1, 0], [0, 0, 2]]
    assert report["accuracy"] == pytest.approx(5 / 6)
    assert report["per_class"]["A"] == pytest.approx(2 / 3)
    assert report["worst"][0]["path"].endswith("A/2.png")


def test_without_model_the_shipped_model_is_used(runner, letter_files):
    default = runner.invoke(app, ["classify", str(letter_files["A"]), "--json"])
    explicit = runner.invoke(app, ["classify", str(letter_files["A"]), "--json", "--model", str(SHIPPED_MODEL)])
    assert default.exit_code == 0 and default.stdout == explicit.stdout
    assert json.loads(default.stdout)["prediction"] == "A"


def test_same_answer_for_rgb_rgba_and_jpeg(classifier, tmp_path, runner):
    base = draw_letter("B", size=140, width=9)
    base.convert("RGB").save(tmp_path / "b.png")
    rgba = Image.new("RGBA", base.size, (30, 30, 30, 0))
    rgba.putalpha(base.point(lambda v: 255 - v))
    rgba.save(tmp_path / "b-alpha.png")
    base.convert("RGB").save(tmp_path / "b.jpg", quality=60)
    result = runner.invoke(app, ["classify", "--model", str(classifier), str(tmp_path), "--json"])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["prediction"] for r in records} == {"B"}
    probs = [r["probabilities"]["B"] for r in records]
    assert max(probs) - min(probs) < 0.05
