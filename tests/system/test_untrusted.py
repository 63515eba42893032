"""Untrusted checkpoints: one that would run code when unpickled is refused, and the code never runs."""


import torch
from conftest import draw_letter

from letters.app.cli import app


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


