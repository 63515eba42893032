"""Interrupted writes: Ctrl-C (SIGINT) or SIGKILL arriving while generate, train or demo is
writing leaves the destination absent or, when it existed before, exactly as it was. Each
test waits until the write is under way (its staging folder fills), so the rollback branches
run, instead of signalling after a guessed delay."""

import hashlib
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch


def _tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _start(args, cwd):
    return subprocess.Popen([sys.executable, "-m", "letters", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _when(ready, process, timeout=120.0):
    """Wait until `ready()` while the process still runs; fail if it ends first."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, f"finished before the write could be interrupted: {process.communicate()}"
        assert time.monotonic() < deadline, "the write never started"
        time.sleep(0.002)


def _staged(parent: Path, name: str, inside: str):
    """True once a staging folder for `name` holds `inside`."""
    return lambda: any((s / inside).exists() for s in parent.glob(f".{name}.*") if s.is_dir())


def _signal(process, sig) -> int:
    process.send_signal(sig)
    process.communicate(timeout=120)
    return process.returncode


def test_ctrl_c_while_generate_writes_leaves_no_dataset(tmp_path):
    process = _start(["generate", "--out", "fresh", "--count", "1500", "--png"], tmp_path)
    _when(_staged(tmp_path, "fresh", "png"), process)  # the PNGs are being written
    assert _signal(process, signal.SIGINT) == 130
    assert not (tmp_path / "fresh").exists()
    assert list(tmp_path.iterdir()) == []  # the staging folder was rolled back too


def test_sigkill_while_generate_writes_keeps_the_old_dataset_and_the_next_run_cleans_up(tmp_path, tiny_dataset):
    shutil.copytree(tiny_dataset, tmp_path / "old")
    before = _tree(tmp_path / "old")
    process = _start(["generate", "--out", "old", "--count", "1500", "--png", "--force"], tmp_path)
    _when(_staged(tmp_path, "old", "png"), process)
    _signal(process, signal.SIGKILL)
    assert _tree(tmp_path / "old") == before  # nothing can clean up after SIGKILL, but the old data is whole
    again = _start(["generate", "--out", "old", "--count", "60", "--force"], tmp_path)
    assert again.wait(timeout=120) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["old"]  # the killed run's staging folder is gone


def test_ctrl_c_in_the_third_epoch_keeps_the_best_model_so_far(tmp_path, tiny_dataset, runner, monkeypatch):
    import letters.network.fit
    from letters.app.cli import app

    real = letters.network.train.train_model

    def ctrl_c_in_epoch_3(data, config, on_step=None, on_epoch=None):
        def step(done, total, model):
            if done > 2 * total // config.epochs:  # in-process and exact: a signal's timing is not
                raise KeyboardInterrupt
            if on_step:
                on_step(done, total, model)
        return real(data, config, on_step=step, on_epoch=on_epoch)

    monkeypatch.setattr(letters.network.fit, "train_model", ctrl_c_in_epoch_3)
    target = tmp_path / "model.pt"
    result = runner.invoke(app, ["train", "--data", str(tiny_dataset), "--out", str(target), "--hidden", "4",
                                 "--epochs", "50", "--device", "cpu"])
    assert result.exit_code == 130 and "kept the best checkpoint so far" in result.stderr
    metrics = torch.load(target, weights_only=True)["metrics"]
    assert metrics["interrupted"] is True and metrics["epochs_run"] == 2 and metrics["best_epoch"] in (1, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.curves.png", "model.pt"]  # no temporary files


def test_ctrl_c_while_the_demo_analyses_leaves_nothing(tmp_path):
    process = _start(["demo", "--out", "tour", "--count", "150", "--epochs", "2", "--probes", "400",
                      "--device", "cpu"], tmp_path)
    _when(_staged(tmp_path, "tour", "letters-mlp.pt"), process)  # trained; now classifying and analysing
    assert _signal(process, signal.SIGINT) == 130
    assert list(tmp_path.iterdir()) == []
