"""Hostile inputs and paths (issue 9): checkpoints that must be refused, targets that are not
regular files, files that cannot be read, limits checked before work, exit codes, and fault
injection into every atomic write (the old file survives, no temporary file is left)."""

import json
import os
import shutil
import signal
import stat
import subprocess
import sys

import pytest
import torch
from conftest import SHIPPED_MODEL, draw_letter
from PIL import Image

from letters import checks as checks_module
from letters import files
from letters.app.cli import app
from letters.errors import LettersError
from letters.network.checkpoint import load_model, save_checkpoint

# ---------------------------------------------------------------- checkpoints that must be refused


def _bad_checkpoint(kind, tiny_model, path):
    checkpoint = torch.load(tiny_model, weights_only=True)
    state = checkpoint["model_state_dict"]
    if kind == "nan weights":
        state["hidden.0.weight"][0, 0] = float("nan")
    elif kind == "inf bias":
        state["output.bias"][1] = float("inf")
    elif kind == "classes not A, B, C":
        checkpoint["classes"] = ["X", "Y", "Z"]
    elif kind == "classes in another order":
        checkpoint["classes"] = ["C", "B", "A"]
    elif kind == "classes not matching outputs":
        checkpoint["classes"] = ["A", "B", "C", "D"]
    elif kind == "inputs not 784":
        checkpoint["dims"]["inputs"] = 100
        state["hidden.0.weight"] = state["hidden.0.weight"][:, :100].clone()
    elif kind in ("float16 weights", "int64 weights", "complex weights"):
        dtype = {"float16 weights": torch.float16, "int64 weights": torch.int64, "complex weights": torch.complex64}[kind]
        state["hidden.0.weight"] = state["hidden.0.weight"].to(dtype)
    elif kind == "detector damaged":
        checkpoint["novelty"]["threshold"] = 7.5
    elif kind == "detector with float16 weights":
        detector = checkpoint["novelty"]["model_state_dict"]
        detector["output.weight"] = detector["output.weight"].half()
    else:
        raise AssertionError(kind)
    torch.save(checkpoint, path)


CHECKPOINT_KINDS = {"nan weights": "NaN", "inf bias": "infinite", "classes not A, B, C": "classes",
                    "classes in another order": "classes", "classes not matching outputs": "classes",
                    "inputs not 784": "784", "float16 weights": "float16", "int64 weights": "int64",
                    "complex weights": "complex64", "detector damaged": "detector is damaged",
                    "detector with float16 weights": "detector's output.weight holds float16"}


@pytest.mark.parametrize("kind", CHECKPOINT_KINDS)
def test_unusable_checkpoints_are_refused_in_one_line(kind, runner, tmp_path, tiny_model, letter_files):
    _bad_checkpoint(kind, tiny_model, tmp_path / "bad.pt")
    for args in (["classify", str(letter_files["A"])], ["evaluate", str(tmp_path)], ["analyze", "--probes", "1"]):
        result = runner.invoke(app, [*args, "--model", str(tmp_path / "bad.pt")])
        assert result.exit_code == 1, (args, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and CHECKPOINT_KINDS[kind] in lines[0], result.stderr
        assert "internal error" not in lines[0]


def test_a_raw_pickle_is_refused_without_a_torch_warning(tmp_path, letter_files):
    import pickle

    with open(tmp_path / "raw.pt", "wb") as f:
        pickle.dump({"format": "letters-mlp", "version": 1}, f, protocol=4)
    result = subprocess.run([sys.executable, "-m", "letters", "classify", str(letter_files["A"]), "--model",
                             str(tmp_path / "raw.pt")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "not a letters checkpoint" in result.stderr and "Warning" not in result.stderr


def test_extra_plain_keys_in_a_checkpoint_are_accepted(tmp_path, tiny_model):
    checkpoint = torch.load(tiny_model, weights_only=True)
    checkpoint["unsure"] = {"threshold": 0.25, "score": "energy", "calibrated_on": [1, 2]}
    torch.save(checkpoint, tmp_path / "extra.pt")
    model, loaded = load_model(tmp_path / "extra.pt")
    assert loaded["unsure"]["threshold"] == 0.25


def test_model_pointing_at_a_fifo_is_refused_at_once(tmp_path, letter_files):
    os.mkfifo(tmp_path / "model.pt")
    result = subprocess.run([sys.executable, "-m", "letters", "classify", str(letter_files["A"]), "--model",
                             str(tmp_path / "model.pt")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "not a regular file" in result.stderr


# ---------------------------------------------------------------- targets that are not regular files


def _special_files(tmp_path):
    """A FIFO always; a character device (like /dev/null) too when running as root."""
    made = {"fifo": tmp_path / "fifo"}
    os.mkfifo(made["fifo"])
    if os.geteuid() == 0:
        made["char device"] = tmp_path / "null"
        os.mknod(made["char device"], 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return made


def test_atomic_writer_refuses_targets_that_are_not_regular_files(tmp_path):
    for kind, path in _special_files(tmp_path).items():
        before = os.stat(path)
        with pytest.raises(LettersError, match="not a regular file"):
            with files.atomic_file(path) as f:
                f.write(b"data")
        after = os.stat(path)
        assert (after.st_mode, after.st_ino, after.st_rdev) == (before.st_mode, before.st_ino, before.st_rdev), kind
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(_special_names(tmp_path))


def _special_names(tmp_path):
    return [p.name for p in tmp_path.iterdir() if not p.name.endswith(".tmp")]


def test_commands_refuse_to_write_over_special_files(runner, tmp_path, tiny_dataset, letter_files):
    for kind, path in _special_files(tmp_path).items():
        for args in (["classify", str(letter_files["A"]), "--save-input", str(path)],
                     ["train", "--data", str(tiny_dataset), "--out", str(path), "--epochs", "1", "--hidden", "4"]):
            result = runner.invoke(app, args)
            assert result.exit_code == 1, (kind, args, result.output)
            assert "not a regular file" in result.stderr and len(result.stderr.strip().splitlines()) == 1
            assert not stat.S_ISREG(os.stat(path).st_mode), kind
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_symlinked_target_is_never_written_through(tmp_path):
    (tmp_path / "real.txt").write_text("old")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")
    with pytest.raises(LettersError, match="is a symbolic link"):
        with files.atomic_file(tmp_path / "link.txt", "w") as f:
            f.write("new")
    assert (tmp_path / "link.txt").is_symlink() and (tmp_path / "real.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "real.txt"]


def test_a_replaced_file_keeps_its_mode_and_a_new_one_follows_the_umask(tmp_path):
    (tmp_path / "private.txt").write_text("old")
    os.chmod(tmp_path / "private.txt", 0o600)
    with files.atomic_file(tmp_path / "private.txt", "w") as f:
        f.write("new")
    assert stat.S_IMODE(os.stat(tmp_path / "private.txt").st_mode) == 0o600
    old = os.umask(0o027)
    try:
        with files.atomic_file(tmp_path / "new.txt", "w") as f:
            f.write("new")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o640


# ---------------------------------------------------------------- fault injection into every atomic write


def _writers(tmp_path, tiny_model):
    """name -> (target, write function) for every atomic writer."""
    from letters.config import AnalysisConfig, GeneratorConfig
    from letters.show.pictures import save_image
    from letters.show.report import write_report
    from letters.study.analysis import build_probes

    model, checkpoint = load_model(tiny_model)

    def report(target):
        config = AnalysisConfig(probes=2)
        from letters.study.analysis import analyze_model

        probes = build_probes(config, GeneratorConfig())
        write_report(target.parent, model, probes, analyze_model(model, config, GeneratorConfig(), probes)[0])

    return {
        "checkpoint": (tmp_path / "m.pt", lambda t: save_checkpoint(checkpoint, t)),
        "picture": (tmp_path / "p.png", lambda t: save_image(Image.new("RGB", (4, 4)), t)),
        "report": (tmp_path / "r" / "report.html", report),
        "text": (tmp_path / "t.txt", lambda t: _write_text(t)),
    }


def _write_text(target):
    with files.atomic_file(target, "w", encoding="utf-8") as f:
        f.write("new text")


def _leftovers(folder):
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp") or ".tmp-" in p.name]


@pytest.mark.parametrize("fault", ["rename", "write", "fsync"])
@pytest.mark.parametrize("writer", ["checkpoint", "picture", "report", "text"])
def test_a_failing_atomic_write_keeps_the_old_file_and_leaves_no_temporary(writer, fault, tmp_path, tiny_model,
                                                                          monkeypatch):
    target, write = _writers(tmp_path, tiny_model)[writer]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"the old file")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if fault == "rename":
        monkeypatch.setattr(files.os, "replace", boom)
    elif fault == "fsync":
        monkeypatch.setattr(files.os, "fsync", boom)
    else:
        real_fdopen = os.fdopen

        def failing_fdopen(*args, **kwargs):
            handle = real_fdopen(*args, **kwargs)

            class Failing:
                def __getattr__(self, name):
                    return getattr(handle, name)

                def write(self, data):
                    handle.write(data[:1])
                    raise OSError(28, "No space left on device")

                def __enter__(self):
                    handle.__enter__()
                    return self

                def __exit__(self, *exc):
                    return handle.__exit__(*exc)

            return Failing()

        monkeypatch.setattr(files.os, "fdopen", failing_fdopen)
    with pytest.raises(LettersError, match=r"\.(pt|png|html|txt) cannot be written \(no space left on device\)"):
        write(target)  # one line naming the user's file, never the temporary's name
    assert target.read_bytes() == b"the old file"
    assert not _leftovers(tmp_path)


def test_a_process_killed_inside_the_write_keeps_the_old_file_and_its_temporary_is_cleaned(tmp_path, tiny_model):
    target = tmp_path / "m.pt"
    target.write_bytes(b"the old checkpoint")
    script = (
        "import os, signal, sys, torch\n"
        "from letters import files\n"
        "from letters.network.checkpoint import save_checkpoint\n"
        "files.os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"save_checkpoint(torch.load({str(tiny_model)!r}, weights_only=True), {str(target)!r})\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert result.returncode == -signal.SIGKILL
    assert target.read_bytes() == b"the old checkpoint"
    assert len(_leftovers(tmp_path)) == 1  # the killed writer's; the next write removes it
    save_checkpoint(torch.load(tiny_model, weights_only=True), target)
    assert not _leftovers(tmp_path)
    load_model(target)


def test_stray_temporaries_are_cleaned_only_when_their_writer_is_gone(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = tmp_path / f".m.pt.{gone.pid}.abc123.tmp"
    alive = tmp_path / f".m.pt.{os.getpid()}.def456.tmp"
    other = tmp_path / ".n.pt.1.x.tmp"
    for p in (dead, alive, other):
        p.write_bytes(b"partial")
    with files.atomic_file(tmp_path / "m.pt") as f:
        f.write(b"whole")
    assert not dead.exists() and alive.exists() and other.exists()


def test_a_failing_dataset_swap_keeps_the_old_dataset(tmp_path, tiny_dataset, monkeypatch):
    from letters.config import DatasetConfig
    from letters.drawing.dataset import write_dataset

    out = tmp_path / "glyphs"
    shutil.copytree(tiny_dataset, out, ignore=shutil.ignore_patterns("png"))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = os.replace

    def failing(src, dst):
        if str(src).endswith(f".tmp-{os.getpid()}"):
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(files.os, "replace", failing)  # the folder swap lives with the atomic writes
    with pytest.raises(OSError):
        write_dataset(out, DatasetConfig(count=30, seed=1), force=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["glyphs"]


# ---------------------------------------------------------------- files on the command line


def _unprivileged(args, cwd):
    """Run letters without the power to read files it has no permission for (as root: without
    CAP_DAC_OVERRIDE, via setpriv)."""
    command = [sys.executable, "-m", "letters", *args]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: permissions cannot be tested")
        command = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *command]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_unreadable_files_and_folders_get_one_line_each_and_the_batch_goes_on(tmp_path):
    draw_letter("A").save(tmp_path / "a.png")
    draw_letter("B").save(tmp_path / "b.png")
    (tmp_path / "locked").mkdir()
    draw_letter("C").save(tmp_path / "locked" / "c.png")
    os.chmod(tmp_path / "b.png", 0)
    os.chmod(tmp_path / "locked", 0)
    os.mkfifo(tmp_path / "pipe.png")
    try:
        result = _unprivileged(["classify", "a.png", "b.png", "locked", "locked/c.png", "pipe.png", "--json"],
                               tmp_path)
    finally:
        os.chmod(tmp_path / "locked", 0o755)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 1, result.stderr
    assert [r.get("prediction") for r in records if "error" not in r] == ["A"]
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 4 and all("permission denied" in e or "not a regular file" in e for e in errors), errors


# ---------------------------------------------------------------- limits checked before work


@pytest.mark.parametrize("args, words", [
    (["train", "--hidden", "100000000"], "GB of memory"),
    (["train", "--lr", "inf"], "--lr"),
    (["train", "--weight-decay", "inf"], "--weight-decay"),
    (["train", "--lr", "nan"], "--lr"),
    (["generate", "--workers", "1000"], "1 to 256"),
    (["analyze", "--probes", "100000000"], "GB of memory"),
])
def test_limits_are_refused_before_work_in_one_line(args, words, runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "internal error" not in lines[0], lines
    assert not list(tmp_path.iterdir())


def test_generate_count_is_refused_with_its_memory_figure(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(checks_module, "available_memory", lambda: 2_000_000_000)
    result = runner.invoke(app, ["generate", "--out", str(tmp_path / "g"), "--count", "1000000"])
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "12.5 GB of memory and 2.0 GB is available" in line and "--count 160000" in line, line
    assert not (tmp_path / "g").exists()


def test_train_on_one_image_gives_valid_json(runner, tmp_path):
    (tmp_path / "one" / "A").mkdir(parents=True)
    draw_letter("A").save(tmp_path / "one" / "A" / "a.png")
    result = runner.invoke(app, ["train", "--data", str(tmp_path / "one"), "--out", str(tmp_path / "m.pt"),
                                 "--epochs", "1", "--hidden", "4", "--json"])
    assert result.exit_code == 0, result.output

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    metrics = json.loads(result.stdout, parse_constant=refuse)
    assert metrics["val_accuracy"] is None and isinstance(metrics["train_accuracy"], float)


def test_evaluate_and_classify_both_exit_1_when_some_files_failed(runner, tmp_path):
    for letter in "ABC":
        (tmp_path / letter).mkdir()
        draw_letter(letter).save(tmp_path / letter / "good.png")
    (tmp_path / "B" / "broken.png").write_text("not a picture")
    for args in (["evaluate", str(tmp_path)], ["evaluate", str(tmp_path), "--json"], ["classify", str(tmp_path)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.strip().splitlines() == [f"letters: error: {tmp_path / 'B' / 'broken.png'}: "
                                                      "not an image file that Pillow can read (use PNG, JPEG, BMP, "
                                                      "GIF, WebP or TIFF)"]


def test_train_default_out_is_the_working_folder_and_never_the_shipped_model(runner, tmp_path, small_dataset,
                                                                              monkeypatch):
    from letters.network import shipped

    monkeypatch.chdir(tmp_path)
    shipped_copy = tmp_path / "models" / "letters-mlp.pt"
    shipped_copy.parent.mkdir()
    shipped_copy.write_bytes(SHIPPED_MODEL.read_bytes())
    monkeypatch.setattr(shipped, "DEFAULT_MODEL", shipped_copy)
    args = ["train", "--data", str(small_dataset), "--epochs", "1", "--hidden", "4"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "letters-mlp.pt").is_file()
    result = runner.invoke(app, [*args, "--out", "models/letters-mlp.pt"])
    assert result.exit_code == 1 and "--force" in result.stderr
    assert shipped_copy.read_bytes() == SHIPPED_MODEL.read_bytes()
    result = runner.invoke(app, [*args, "--out", "models/letters-mlp.pt", "--force"])
    assert result.exit_code == 0 and shipped_copy.read_bytes() != SHIPPED_MODEL.read_bytes()


# ---------------------------------------------------------------- generate --out and --force


def test_force_replaces_only_a_letters_dataset(runner, tmp_path, tiny_dataset):
    work = tmp_path / "work"
    (work / "precious").mkdir(parents=True)
    (work / "notes.txt").write_text("mine")
    (work / "precious" / "thesis.txt").write_text("years of work")
    result = runner.invoke(app, ["generate", "--out", str(work), "--count", "30", "--force"])
    assert result.exit_code == 1 and "letters generate did not make" in result.stderr
    assert (work / "notes.txt").read_text() == "mine"
    assert (work / "precious" / "thesis.txt").read_text() == "years of work"
    dataset = tmp_path / "glyphs"
    shutil.copytree(tiny_dataset, dataset)
    (dataset / "notes.txt").write_text("mine too")
    result = runner.invoke(app, ["generate", "--out", str(dataset), "--count", "30", "--force"])
    assert result.exit_code == 1 and (dataset / "notes.txt").exists()
    (dataset / "notes.txt").unlink()
    result = runner.invoke(app, ["generate", "--out", str(dataset), "--count", "30", "--force"])
    assert result.exit_code == 0, result.output
    assert json.loads((dataset / "meta.json").read_text())["count"] == 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["glyphs", "work"]


@pytest.mark.parametrize("out", [".", "..", "/"])
def test_out_is_never_the_working_folder_or_above(out, runner, tmp_path, monkeypatch):
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    (tmp_path / "here" / "notes.txt").write_text("mine")
    for force in ([], ["--force"]):
        result = runner.invoke(app, ["generate", "--out", out, "--count", "30", *force])
        assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1, result.output
        assert "current folder" in result.stderr
    assert [p.name for p in tmp_path.rglob("*")] == ["here", "notes.txt"]
