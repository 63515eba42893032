"""Interrupted writes: generate and train killed with SIGKILL part-way leave the destination
absent or, when it existed before, exactly as it was."""

import hashlib
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path


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


