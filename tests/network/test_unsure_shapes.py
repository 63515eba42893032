"""Shapes that are no letter (issue 32) get no confident answer from the shipped model: the none-of-the-letters
detector learned them as near misses (alphabet.nonletters), and a word is several letters."""

import json

import pytest
from conftest import SHIPPED_MODEL, draw_letter
from PIL import Image, ImageDraw

from letters.app.cli import app


@pytest.mark.parametrize("shape", ["smiley", "star", "triangle", "scribble", "word"])
def test_shapes_that_are_no_letter_get_no_confident_answer(shape, runner, tmp_path):
    image = Image.new("L", (300, 300), 255)
    draw = ImageDraw.Draw(image)
    if shape == "smiley":
        draw.ellipse((40, 40, 260, 260), outline=0, width=12)
        draw.ellipse((100, 100, 125, 125), fill=0), draw.ellipse((175, 100, 200, 125), fill=0)
        draw.arc((90, 110, 210, 220), 20, 160, fill=0, width=12)
    elif shape == "star":
        points = [(150, 20), (185, 120), (290, 120), (205, 180), (240, 280), (150, 215), (60, 280), (95, 180),
                  (10, 120), (115, 120), (150, 20)]
        draw.line(points, fill=0, width=10)
    elif shape == "triangle":
        draw.line([(150, 30), (270, 260), (30, 260), (150, 30)], fill=0, width=12)
    elif shape == "scribble":
        draw.line([(40, 200), (120, 40), (160, 250), (220, 60), (260, 230), (80, 120), (250, 130)], fill=0, width=10)
    else:
        image = Image.new("L", (600, 200), 255)
        for k, letter in enumerate("CAB"):
            image.paste(draw_letter(letter, size=160), (30 + k * 190, 20))
    image.save(tmp_path / f"{shape}.png")
    result = runner.invoke(app, ["classify", str(tmp_path / f"{shape}.png"), "--json", "--model", str(SHIPPED_MODEL)])
    record = json.loads(result.stdout)
    assert record["unsure"] is True, record  # never a confident answer: unsure, and why
