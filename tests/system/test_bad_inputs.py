"""Bad-input corpus: every kind gives one line on stderr, a non-zero exit, no traceback.

The kinds covered, across all commands:
 1. classify: a path that does not exist
 2. classify: a folder with no images
 3. classify: a text file named .png
 4. classify: a zero-byte file
 5. classify: a truncated PNG
 6. classify: a truncated JPEG
 7. classify: a 1x1 image
 8. classify: a blank image with no ink
 9. classify: a decompression bomb (over 50 megapixels)
10. classify: an animated GIF
11. classify: a missing model file
12. classify: a model file of random bytes
13. classify: a torch file that is not a letters checkpoint
14. classify: a checkpoint of another version
15. classify: --min-confidence outside [0, 1]
16. generate: --count 0
17. generate: a negative --count
18. generate: an unwritable --out
19. generate: an existing non-empty --out without --force
20. generate: --val-fraction 0
21. generate: --val-fraction above 1
22. generate: an unknown option
23. generate: a --count that is not a number
24. train: a dataset folder that does not exist
25. train: a dataset whose tensor file is corrupt
26. train: a dataset of another version
27. train: --hidden with no usable sizes
28. train: --device cuda on a machine without CUDA
29. train: an unknown --device
30. train: --epochs 0
31. train: --data pointing at a file
32. train: --out pointing at a folder
33. evaluate: a folder without A/, B/, C/ subfolders
34. evaluate: a folder that does not exist
35. analyze: a missing model file
36. analyze: --probes 0
37. demo: an existing non-empty --out
38. an unknown command
"""

import json
import shutil

import pytest
import torch
from conftest import draw_letter
from PIL import Image

from letters.app.cli import app


def _png(tmp_path, name="a.png"):
    path = tmp_path / name
    draw_letter("A").save(path)
    return path


def _prepare(kind, tmp_path, tiny_dataset, tiny_model):
    """Arguments for each kind of bad input; creates the files it needs."""
    p = tmp_path
    if kind == "missing path":
        return ["classify", str(p / "nope.png")]
    if kind == "empty folder":
        (p / "empty").mkdir()
        return ["classify", str(p / "empty")]
    if kind == "text as png":
        (p / "t.png").write_text("hello, I am not a picture")
        return ["classify", str(p / "t.png")]
    if kind == "zero bytes":
        (p / "z.png").write_bytes(b"")
        return ["classify", str(p / "z.png")]
    if kind == "truncated png":
        data = _png(p).read_bytes()
        (p / "cut.png").write_bytes(data[: len(data) // 2])
        return ["classify", str(p / "cut.png")]
    if kind == "truncated jpeg":
        draw_letter("B").convert("RGB").save(p / "b.jpg")
        data = (p / "b.jpg").read_bytes()
        (p / "cut.jpg").write_bytes(data[: len(data) // 2])
        return ["classify", str(p / "cut.jpg")]
    if kind == "1x1":
        Image.new("L", (1, 1), 0).save(p / "dot.png")
        return ["classify", str(p / "dot.png")]
    if kind == "blank":
        Image.new("RGB", (200, 200), "white").save(p / "blank.png")
        return ["classify", str(p / "blank.png")]
    if kind == "bomb":
        Image.new("1", (8000, 7000)).save(p / "bomb.png")
        return ["classify", str(p / "bomb.png")]
    if kind == "animated gif":
        frames = [draw_letter(c).convert("P") for c in "ABC"]
        frames[0].save(p / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
        return ["classify", str(p / "anim.gif")]
    if kind == "missing model":
        return ["classify", str(_png(p)), "--model", str(p / "none.pt")]
    if kind == "random model":
        (p / "r.pt").write_bytes(bytes(range(256)) * 8)
        return ["classify", str(_png(p)), "--model", str(p / "r.pt")]
    if kind == "foreign torch file":
        torch.save({"weights": torch.zeros(3)}, p / "f.pt")
        return ["classify", str(_png(p)), "--model", str(p / "f.pt")]
    if kind == "other version":
        checkpoint = torch.load(tiny_model, weights_only=True)
        checkpoint["version"] = 99
        torch.save(checkpoint, p / "v.pt")
        return ["classify", str(_png(p)), "--model", str(p / "v.pt")]
    if kind == "bad confidence":
        return ["classify", str(_png(p)), "--min-confidence", "2"]
    if kind == "count 0":
        return ["generate", "--out", str(p / "g"), "--count", "0"]
    if kind == "negative count":
        return ["generate", "--out", str(p / "g"), "--count", "-3"]
    if kind == "unwritable out":
        return ["generate", "--out", "/proc/letters-cannot-write-here", "--count", "3"]
    if kind == "existing out":
        (p / "g").mkdir()
        (p / "g" / "keep.txt").write_text("precious")
        return ["generate", "--out", str(p / "g"), "--count", "3"]
    if kind == "val fraction 0":
        return ["generate", "--out", str(p / "g"), "--val-fraction", "0"]
    if kind == "val fraction 1.5":
        return ["generate", "--out", str(p / "g"), "--val-fraction", "1.5"]
    if kind == "unknown option":
        return ["generate", "--colour", "red"]
    if kind == "count not a number":
        return ["generate", "--count", "many"]
    if kind == "missing dataset":
        return ["train", "--data", str(p / "nothing"), "--out", str(p / "m.pt")]
    if kind == "corrupt dataset":
        shutil.copytree(tiny_dataset, p / "d")
        blob = bytearray((p / "d" / "glyphs.pt").read_bytes())
        blob[len(blob) // 2] ^= 0xFF
        (p / "d" / "glyphs.pt").write_bytes(bytes(blob))
        return ["train", "--data", str(p / "d"), "--out", str(p / "m.pt")]
    if kind == "dataset other version":
        shutil.copytree(tiny_dataset, p / "d", ignore=shutil.ignore_patterns("png"))
        meta = json.loads((p / "d" / "meta.json").read_text())
        meta["version"] = 7
        (p / "d" / "meta.json").write_text(json.dumps(meta))
        return ["train", "--data", str(p / "d"), "--out", str(p / "m.pt")]
    if kind == "bad hidden":
        return ["train", "--data", str(tiny_dataset), "--hidden", "0,x"]
    if kind == "cuda missing":
        return ["train", "--data", str(tiny_dataset), "--out", str(p / "m.pt"), "--device", "cuda"]
    if kind == "unknown device":
        return ["train", "--data", str(tiny_dataset), "--out", str(p / "m.pt"), "--device", "tpu"]
    if kind == "epochs 0":
        return ["train", "--data", str(tiny_dataset), "--epochs", "0"]
    if kind == "data is a file":
        return ["train", "--data", str(_png(p)), "--out", str(p / "m.pt")]
    if kind == "out is a folder":
        (p / "dir.pt").mkdir()
        return ["train", "--data", str(tiny_dataset), "--out", str(p / "dir.pt"), "--epochs", "1"]
    if kind == "evaluate no class folders":
        (p / "flat").mkdir()
        _png(p / "flat")
        return ["evaluate", str(p / "flat")]
    if kind == "evaluate missing folder":
        return ["evaluate", str(p / "absent")]
    if kind == "analyze missing model":
        return ["analyze", "--model", str(p / "none.pt")]
    if kind == "analyze probes 0":
        return ["analyze", "--probes", "0"]
    if kind == "demo existing out":
        (p / "demo").mkdir()
        (p / "demo" / "notes.txt").write_text("mine")
        return ["demo", "--out", str(p / "demo")]
    if kind == "unknown command":
        return ["frobnicate"]
    raise AssertionError(kind)


KINDS = ["missing path", "empty folder", "text as png", "zero bytes", "truncated png", "truncated jpeg", "1x1",
         "bomb", "animated gif", "missing model", "random model", "foreign torch file", "other version",
         "bad confidence", "count 0", "negative count", "unwritable out", "existing out", "val fraction 0",
         "val fraction 1.5", "unknown option", "count not a number", "missing dataset", "corrupt dataset",
         "dataset other version", "bad hidden", "cuda missing", "unknown device", "epochs 0", "data is a file",
         "out is a folder", "evaluate no class folders", "evaluate missing folder", "analyze missing model",
         "analyze probes 0", "demo existing out", "unknown command"]

EXPECTED_WORDS = {
    "missing path": "no such file", "empty folder": "holds no images", "text as png": "not an image",
    "zero bytes": "empty", "truncated png": "truncated", "truncated jpeg": "truncated", "1x1": "too small",
    "bomb": "megapixel", "animated gif": "animated", "missing model": "does not exist",
    "random model": "not a letters checkpoint", "foreign torch file": "not a letters checkpoint",
    "other version": "version", "bad confidence": "min-confidence", "count 0": "--count",
    "negative count": "--count", "unwritable out": "cannot be written", "existing out": "--force",
    "val fraction 0": "--val-fraction", "val fraction 1.5": "--val-fraction", "unknown option": "No such option",
    "count not a number": "--count", "missing dataset": "does not exist", "corrupt dataset": "corrupt",
    "dataset other version": "version", "bad hidden": "--hidden", "cuda missing": "CUDA",
    "unknown device": "unknown device", "epochs 0": "--epochs", "data is a file": "is a file",
    "out is a folder": "is a folder", "evaluate no class folders": "subfolders",
    "evaluate missing folder": "does not exist", "analyze missing model": "does not exist",
    "analyze probes 0": "--probes", "demo existing out": "not empty", "unknown command": "No such command",
}


def test_the_corpus_has_at_least_25_kinds():
    assert len(KINDS) >= 25 and set(KINDS) == set(EXPECTED_WORDS)


@pytest.mark.parametrize("kind", KINDS)
def test_bad_input_gives_one_line_and_a_nonzero_exit(kind, runner, tmp_path, tiny_dataset, tiny_model):
    args = _prepare(kind, tmp_path, tiny_dataset, tiny_model)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    result = runner.invoke(app, args)
    assert result.exit_code != 0, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    assert EXPECTED_WORDS[kind].lower() in lines[0].lower(), lines[0]
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert {p: b for p, b in after.items() if p in before} == before  # nothing lost or changed
    assert not [p for p in after if p not in before and p.suffix in (".pt", ".json")]  # nothing half-written
