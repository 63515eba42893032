"""`letters evaluate --errors --explain`: the misread files drawn and explained."""

import json

from PIL import Image

from letters.alphabet import CLASSES
from letters.config import GeneratorConfig
from letters.drawing.render import render_glyph


def test_evaluate_draws_and_explains_the_misread_files(runner, tiny_model, tmp_path):
    from letters.app.cli import app

    for letter in CLASSES:  # every file in the wrong folder: all of them are misread
        (tmp_path / "set" / letter).mkdir(parents=True)
    for k, letter in enumerate(CLASSES):
        wrong = CLASSES[(k + 1) % 3]
        render_glyph(letter, 77, GeneratorConfig()).image.save(tmp_path / "set" / wrong / f"{letter}.png")
    out = tmp_path / "errors.png"
    result = runner.invoke(app, ["evaluate", str(tmp_path / "set"), "--model", str(tiny_model), "--errors", str(out),
                                 "--explain", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert len(report["wrong"]) == 3 - round(3 * report["accuracy"])
    assert report["wrong"] and all(w["true"] != w["prediction"] for w in report["wrong"])
    assert all(u["push"] > 0 and u["category"] for w in report["wrong"] for u in (w["explanation"] or []))
    assert Image.open(out).size[0] > 100


def test_evaluate_errors_into_a_folder_is_one_line(runner, tiny_model, tmp_path):
    from letters.app.cli import app

    result = runner.invoke(app, ["evaluate", str(tmp_path), "--model", str(tiny_model), "--errors", str(tmp_path)])
    assert result.exit_code != 0 and len(result.output.strip().splitlines()) == 1
