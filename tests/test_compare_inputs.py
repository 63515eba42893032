"""scripts/compare_inputs.py: the input variants do what they say, checked against drawn shapes."""

import sys

import pytest
import torch
from conftest import ROOT
from PIL import Image, ImageDraw

from letters.errors import LettersError

sys.path.insert(0, str(ROOT / "scripts"))
import compare_inputs  # noqa: E402  (a script, imported for its input variants)


def _bar(top_x: float, bottom_x: float) -> torch.Tensor:
    """(28, 28) float: a 3 px bar from (top_x, 4) down to (bottom_x, 24), drawn by Pillow."""
    image = Image.new("L", (28, 28), 0)
    ImageDraw.Draw(image).line([(top_x, 4), (bottom_x, 24)], fill=255, width=3)
    return torch.tensor(list(image.tobytes()), dtype=torch.float32).view(28, 28) / 255


def _column_spread(x: torch.Tensor) -> float:
    """How far the ink's mean column moves from the top rows to the bottom rows, in pixels."""
    cols = torch.arange(28) + 0.5
    top, bottom = x[6:10], x[18:22]
    return float((bottom * cols).sum() / bottom.sum() - (top * cols).sum() / top.sum())


def test_deskew_stands_a_slanted_bar_upright_and_keeps_an_upright_one():
    slanted = _bar(19, 9)  # leans right, as handwriting does: 10 px over 20
    assert abs(_column_spread(slanted)) > 4
    assert abs(_column_spread(compare_inputs.deskew(slanted[None])[0])) < 1
    upright = _bar(14, 14)
    out = compare_inputs.deskew(upright[None])[0]
    assert abs(_column_spread(out)) < 0.5
    assert torch.allclose(out, upright / upright.max(), atol=0.02)  # nothing to undo: the same image


def test_blur_spreads_ink_and_keeps_its_mass_centre_and_full_ink():
    bar = _bar(14, 14)
    out = compare_inputs.blur(bar[None])[0]
    assert float(out.max()) == 1.0
    assert int((out > 0.05).sum()) > int((bar > 0.05).sum())  # wider than the bar
    cols = torch.arange(28) + 0.5
    assert abs(float((out.sum(0) * cols).sum() / out.sum()) - float((bar.sum(0) * cols).sum() / bar.sum())) < 0.05


def test_inputs_leave_plain_untouched_and_return_uint8():
    images = (torch.stack([_bar(19, 9), _bar(14, 14)]) * 255).round().to(torch.uint8)
    assert compare_inputs.inputs(images, "plain") is images
    for variant in ("deskew", "blur"):
        out = compare_inputs.inputs(images, variant)
        assert out.dtype == torch.uint8 and out.shape == images.shape and int(out.max()) == 255


def test_affine_batch_moves_every_image_differently_and_repeats_with_its_seed():
    x = torch.stack([_bar(14, 14).flatten()] * 4)
    one = compare_inputs.affine_batch(x, 1.5, torch.Generator().manual_seed(3))
    two = compare_inputs.affine_batch(x, 1.5, torch.Generator().manual_seed(3))
    assert torch.equal(one, two)
    assert one.shape == x.shape and not torch.allclose(one[0], one[1])


def test_recipe_arms_change_only_the_named_fields_typed_as_the_config():
    assert compare_inputs.recipe("base") == compare_inputs.RECIPE
    arm = compare_inputs.recipe("augment=2.5,epochs=8,hidden=256x128")
    assert arm == {**compare_inputs.RECIPE, "augment": 2.5, "epochs": 8, "hidden": (256, 128)}
    assert isinstance(arm["epochs"], int) and isinstance(arm["augment"], float)
    for bad in ("augment", "seed=3", "colour=red", "epochs=many", "hidden=wide"):
        with pytest.raises(LettersError):
            compare_inputs.recipe(bad)


def test_also_reads_an_image_folder_by_its_letter_folders_and_refuses_others(tmp_path):
    for letter, shape in (("A", (4, 24, 14, 4)), ("B", (6, 4, 6, 24)), ("C", (20, 6, 8, 22))):
        (tmp_path / "set" / letter).mkdir(parents=True)
        image = Image.new("L", (28, 28), 255)
        ImageDraw.Draw(image).line(shape, fill=0, width=3)
        image.save(tmp_path / "set" / letter / "one.png")
    images, labels = compare_inputs.labelled_folder(tmp_path / "set")
    assert images.shape == (3, 28, 28) and labels.tolist() == [0, 1, 2]
    (tmp_path / "set" / "X").mkdir()
    image.save(tmp_path / "set" / "X" / "stray.png")  # a letter in a folder that names none
    for folder, message in ((tmp_path / "set", "not an A, B or C folder"), (tmp_path / "none", "not a folder"),
                            (tmp_path, "not an A, B or C folder")):
        with pytest.raises(LettersError, match=message):
            compare_inputs.labelled_folder(folder)
    (tmp_path / "empty").mkdir()
    with pytest.raises(LettersError, match="no PNG or JPEG"):
        compare_inputs.labelled_folder(tmp_path / "empty")


def test_ensembles_score_every_k_of_the_seeds_joined_as_their_mean_logits(tiny_dataset, monkeypatch, capsys):
    import json

    from letters.config import TrainConfig
    from letters.dataset import load_dataset
    from letters.train import train_model

    data = load_dataset(tiny_dataset)
    real = (data.images[:120], data.labels[:120])  # stands in for the real sets: quick, and the oracle reads it too
    monkeypatch.setattr(compare_inputs, "labelled", lambda name: real)
    tiny = dict(hidden=(8,), epochs=1, batch_size=64, lr=3e-3, weight_decay=1e-4, augment=0.0)
    monkeypatch.setattr(compare_inputs, "RECIPE", tiny)
    monkeypatch.setattr(sys, "argv", ["compare_inputs", "--data", str(tiny_dataset), "--variants", "plain",
                                      "--seeds", "0", "1", "2", "--ensembles", "2", "3", "--json"])
    compare_inputs.main()
    rows = {row["seed"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}
    assert list(rows) == ["0", "1", "2", "0+1", "0+2", "1+2", "0+1+2"]
    # the oracle: the same members trained again (a seed gives the same network), their logits averaged by hand
    members = [train_model(data, TrainConfig(device="cpu", seed=seed, **tiny))[0] for seed in (0, 2)]
    with torch.no_grad():
        x = real[0].flatten(1).float() / 255
        mean = sum(m(x) for m in members) / 2
    right = (mean.argmax(1) == real[1]).float().mean()
    assert rows["0+2"]["handwriting"]["accuracy"] == round(float(right), 4)
    assert rows["0+2"]["handwriting"]["n"] == 120


@pytest.mark.parametrize("sizes", [["1"], ["4"]])
def test_ensembles_outside_two_to_the_seeds_is_one_line(sizes):
    import subprocess

    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "compare_inputs.py"), "--seeds", "0", "1", "2",
                          "--ensembles", *sizes], capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == ["compare_inputs: --ensembles takes sizes from 2 to the number of --seeds (3)"]
