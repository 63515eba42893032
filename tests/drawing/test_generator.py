"""The stroke generator: templates, determinism, stroke masks, dataset files."""

import hashlib
import json

import pytest
import torch

from letters.alphabet import CLASSES, ROLES, TEMPLATES, letter_roles
from letters.config import DatasetConfig, GeneratorConfig
from letters.drawing.dataset import load_dataset, write_dataset
from letters.drawing.hand import sample_seed
from letters.drawing.render import render_glyph, render_strokes
from letters.inputs.preprocess import IMAGE_SIZE


def test_roles_are_the_nine_named_in_the_issue():
    assert ROLES == ("A.left_diagonal", "A.right_diagonal", "A.crossbar", "B.spine", "B.upper_bowl",
                     "B.lower_bowl", "C.top_curve", "C.left_line", "C.bottom_curve")


def test_every_letterform_uses_exactly_its_letters_roles():
    for letter, forms in TEMPLATES.items():
        for form in forms:
            assert {p.role for p in form.pieces if p.feature is None} == set(letter_roles(letter)), form.name
            assert all(p.kind in ("line", "curve") for p in form.pieces)


def _files(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_bytes_workers_do_not_matter(tmp_path):
    write_dataset(tmp_path / "a", DatasetConfig(count=1100, seed=5, workers=1))
    write_dataset(tmp_path / "b", DatasetConfig(count=1100, seed=5, workers=2))
    write_dataset(tmp_path / "c", DatasetConfig(count=1100, seed=6, workers=1))
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a")["glyphs.pt"] != _files(tmp_path / "c")["glyphs.pt"]


def test_meta_json_has_the_promised_fields(tiny_dataset):
    meta = json.loads((tiny_dataset / "meta.json").read_text())
    for key in ("format", "version", "count", "seed", "classes", "roles", "image_size", "splits", "generator", "sha256"):
        assert key in meta
    assert meta["classes"] == ["A", "B", "C"] and meta["roles"] == list(ROLES) and meta["image_size"] == 28
    assert "time" not in json.dumps(meta).lower()


def test_classes_are_balanced_and_the_validation_split_too_for_an_awkward_count():
    from letters.drawing.generator import generate_tensors

    t = generate_tensors(DatasetConfig(count=101, seed=2, val_fraction=0.25))  # not a multiple of 3 or 4
    assert torch.bincount(t["labels"]).tolist() == [34, 34, 33]
    assert int(t["is_val"].sum()) == 25  # round(101 * 0.25)
    assert max(torch.bincount(t["labels"][t["is_val"]]).tolist()) - min(torch.bincount(t["labels"][t["is_val"]]).tolist()) <= 1
    assert t["images"].dtype == torch.uint8 and t["images"].shape == (101, 28, 28)


def test_stroke_masks_add_up_to_the_glyphs_ink(tiny_dataset):
    data = load_dataset(tiny_dataset)
    ink = data.images > 0
    masks = torch.stack([(data.owners == k + 1) for k in range(len(ROLES))])  # (roles, N, 28, 28)
    assert torch.equal(masks.sum(0), ink.to(masks.dtype) * 1)  # every ink pixel has exactly one owner
    for i, label in enumerate(data.labels.tolist()):  # and the owner belongs to the glyph's letter
        owners = set(data.owners[i].unique().tolist()) - {0}
        assert {ROLES[k - 1].split(".")[0] for k in owners} == {CLASSES[label]}


def _centre(mask: torch.Tensor) -> tuple[float, float]:
    ys, xs = mask.nonzero(as_tuple=True)
    return float(ys.float().mean()), float(xs.float().mean())


@pytest.mark.parametrize("role, where", [
    ("C.top_curve", "upper"), ("C.bottom_curve", "lower"), ("C.left_line", "left"),
    ("B.spine", "left"), ("B.upper_bowl", "upper"), ("B.lower_bowl", "lower"),
    ("A.left_diagonal", "left"), ("A.right_diagonal", "right"),
])
def test_each_role_lies_in_its_region_of_the_normalised_box(tiny_dataset, role, where):
    data = load_dataset(tiny_dataset)
    k = ROLES.index(role) + 1
    centres = [_centre(data.owners[i] == k) for i in range(len(data.labels)) if (data.owners[i] == k).sum() > 3]
    y = sum(c[0] for c in centres) / len(centres)
    x = sum(c[1] for c in centres) / len(centres)
    mid = IMAGE_SIZE / 2
    assert {"upper": y < mid - 2, "lower": y > mid + 2, "left": x < mid - 2, "right": x > mid + 2}[where]


def test_strokes_alone_sit_where_they_sit_in_the_full_glyph():
    config = GeneratorConfig()
    for letter in CLASSES:
        for k in range(5):
            seed = sample_seed(9, k)
            full = torch.tensor(list(render_glyph(letter, seed, config).image.tobytes())).view(28, 28)
            for role in letter_roles(letter):
                alone = torch.tensor(list(render_strokes(letter, seed, config, [role]).tobytes())).view(28, 28)
                inside = ((alone > 64) & (full > 0)).sum() / max(int((alone > 64).sum()), 1)
                assert inside > 0.97, (letter, role)
                assert (alone > 0).sum() < (full > 0).sum()  # not blown up to full size


def test_png_export_loads_with_torchvision_imagefolder(tiny_dataset):
    from torchvision.datasets import ImageFolder

    folder = ImageFolder(str(tiny_dataset / "png"))
    assert folder.classes == ["A", "B", "C"]
    assert len(folder) == 600
    image, label = folder[0]
    assert image.size == (28, 28) and label == 0


def test_sheet_is_written(tiny_dataset):
    from PIL import Image

    sheet = Image.open(tiny_dataset / "sheet.png")
    assert sheet.mode == "RGB" and sheet.width > 600


def test_a_sample_re_renders_from_its_stored_seed(tiny_dataset):
    from letters.drawing.dataset import generator_config
    from letters.drawing.render import render_glyph

    data = load_dataset(tiny_dataset)
    config = generator_config(data.meta)
    for i in (0, 1, 2, 301, 599):
        letter = CLASSES[int(data.labels[i])]
        glyph = render_glyph(letter, int(data.seeds[i]), config)
        assert glyph.image.tobytes() == bytes(data.images[i].flatten().tolist())
        alone = render_strokes(letter, int(data.seeds[i]), config, letter_roles(letter))
        assert alone.tobytes() == glyph.image.tobytes()  # all strokes "alone" = the glyph itself
