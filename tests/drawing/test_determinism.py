"""Determinism: the same seed gives the same dataset bytes and, on the CPU, the same trained weights."""

import hashlib
from pathlib import Path

import torch

from letters.app.cli import app


def _tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_dataset_bytes_and_same_weights(tmp_path, runner):
    for name in ("one", "two"):
        assert runner.invoke(app, ["generate", "--out", str(tmp_path / name), "--count", "300", "--seed", "11"]).exit_code == 0
        assert runner.invoke(app, ["train", "--data", str(tmp_path / name), "--out", str(tmp_path / f"{name}.pt"),
                                   "--hidden", "12", "--epochs", "2", "--seed", "5", "--device", "cpu"]).exit_code == 0
    assert _tree(tmp_path / "one") == _tree(tmp_path / "two")
    a = torch.load(tmp_path / "one.pt", weights_only=True)["model_state_dict"]
    b = torch.load(tmp_path / "two.pt", weights_only=True)["model_state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)


