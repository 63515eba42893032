"""Interrupted writes, untrusted checkpoints, determinism and concurrency, end to end."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from letters.cli import app

from conftest import draw_letter


def _tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _start(args, cwd):
    return subprocess.Popen([sys.executable, "-m", "letters", *args], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _kill_after(process, seconds):
    time.sleep(seconds)
    assert process.poll() is None, "finished before it could be interrupted"
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_killed_generate_leaves_no_dataset(tmp_path):
    process = _start(["generate", "--out", "fresh", "--count", "400000"], tmp_path)
    _kill_after(process, 6)
    assert not (tmp_path / "fresh").exists()


def test_killed_generate_with_force_leaves_the_old_dataset(tmp_path, tiny_dataset):
    import shutil

    shutil.copytree(tiny_dataset, tmp_path / "old")
    before = _tree(tmp_path / "old")
    process = _start(["generate", "--out", "old", "--count", "400000", "--force"], tmp_path)
    _kill_after(process, 6)
    assert _tree(tmp_path / "old") == before


def test_killed_train_leaves_the_old_checkpoint(tmp_path, tiny_dataset, tiny_model):
    target = tmp_path / "model.pt"
    target.write_bytes(tiny_model.read_bytes())
    before = target.read_bytes()
    process = _start(["train", "--data", str(tiny_dataset), "--out", str(target), "--epochs", "100000",
                      "--device", "cpu"], tmp_path)
    _kill_after(process, 6)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"] or all(
        not p.name.endswith(".pt") or p == target for p in tmp_path.iterdir())


class _SideEffect:
    """Unpickling this would create a file: the proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_checkpoint_that_runs_code_is_refused_and_the_code_does_not_run(tmp_path, runner, tiny_model):
    marker = tmp_path / "code-ran"
    checkpoint = torch.load(tiny_model, weights_only=True)
    checkpoint["metrics"] = {"surprise": _SideEffect(marker)}
    evil = tmp_path / "evil.pt"
    torch.save(checkpoint, evil)
    drawing = tmp_path / "a.png"
    draw_letter("A").save(drawing)
    for args in (["classify", str(drawing), "--model", str(evil)], ["analyze", "--model", str(evil)],
                 ["evaluate", str(tmp_path), "--model", str(evil)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and "pickled code" in result.stderr
    assert not marker.exists()


def test_same_seed_same_dataset_bytes_and_same_weights(tmp_path, runner):
    for name in ("one", "two"):
        assert runner.invoke(app, ["generate", "--out", str(tmp_path / name), "--count", "300", "--seed", "11"]).exit_code == 0
        assert runner.invoke(app, ["train", "--data", str(tmp_path / name), "--out", str(tmp_path / f"{name}.pt"),
                                   "--hidden", "12", "--epochs", "2", "--seed", "5", "--device", "cpu"]).exit_code == 0
    assert _tree(tmp_path / "one") == _tree(tmp_path / "two")
    a = torch.load(tmp_path / "one.pt", weights_only=True)["model_state_dict"]
    b = torch.load(tmp_path / "two.pt", weights_only=True)["model_state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_concurrent_classify_processes_agree(tmp_path):
    for letter in "ABC":
        draw_letter(letter, size=90 + 20 * "ABC".index(letter)).save(tmp_path / f"{letter}.png")
    processes = [subprocess.Popen([sys.executable, "-m", "letters", "classify", str(tmp_path), "--json"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    answers = [[json.loads(line) for line in out.splitlines()] for out, _ in outputs]
    assert all(a == answers[0] for a in answers)
    assert [r["prediction"] for r in answers[0]] == ["A", "B", "C"]
