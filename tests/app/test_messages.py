"""Library messages name settings (`force`), never command-line flags (`--force`); the CLI names the flags."""

import ast
import pickle
import re
from pathlib import Path

import pytest

from letters import checks as checks_module
from letters.app.cli import app
from letters.config import AnalysisConfig, DatasetConfig
from letters.drawing.dataset import check_destination, load_dataset
from letters.errors import LettersError, OptionError
from letters.network.checkpoint import read_checkpoint

LIBRARY = Path(__file__).resolve().parents[2] / "letters"
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
PENDING: set[str] = set()  # library files not yet converted: none


def _message_strings(path: Path) -> list[tuple[int, str]]:
    """Every string literal of a module (f-string pieces too), docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_no_library_module_writes_a_flag_into_its_text():
    modules = [p for p in sorted(LIBRARY.rglob("*.py")) if p.parent.name != "app" and p.name not in PENDING]
    assert len(modules) > 20  # every layer below the command line
    leaks = [f"{p.relative_to(LIBRARY)}:{line}: {text!r}" for p in modules for line, text in _message_strings(p)
             if FLAG.search(text)]
    assert not leaks, "library text names a flag:\n" + "\n".join(leaks)


def _refused(call) -> LettersError:
    with pytest.raises(LettersError) as caught:
        call()
    return caught.value


def test_library_errors_name_settings_and_the_cli_line_names_flags(tmp_path, monkeypatch):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    monkeypatch.setattr(checks_module, "available_memory", lambda: 10**6)
    cases = [
        (lambda: check_destination(tmp_path / "full", force=False), ["--out", "--force"]),
        (lambda: check_destination(tmp_path / "full", force=True), ["--out", "--force"]),
        (lambda: DatasetConfig(count=0).validate(), ["--count"]),
        (lambda: DatasetConfig(count=1000).validate(), ["--count"]),  # the memory estimate and its fix
        (lambda: AnalysisConfig(probes=1000).validate(), ["--probes"]),
        (lambda: read_checkpoint(tmp_path / "nothing.pt"), ["--out"]),
        (lambda: load_dataset(tmp_path / "nothing"), ["--out"]),
    ]
    for call, flags in cases:
        error = _refused(call)
        assert not FLAG.search(str(error)), str(error)
        for flag in flags:
            assert flag in error.cli_line, error.cli_line
            assert flag[2:] in str(error), str(error)  # the library names the same setting, without the dashes
    memory = _refused(cases[3][0])
    assert "use at most count " in str(memory) and "use at most --count " in memory.cli_line


def test_option_error_wording_survives_pickling():
    """A worker process may raise it; both wordings come back to the parent."""
    error = OptionError("val_fraction", lambda name: f"2 is outside (0, 1); see {name('count')}")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is OptionError and str(again) == "val_fraction 2 is outside (0, 1); see count"
    assert again.cli_line == "--val-fraction 2 is outside (0, 1); see --count" and again.option == "val_fraction"


def test_the_cli_prints_the_flags(runner, tmp_path):
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "notes.txt").write_text("mine")
    r = runner.invoke(app, ["generate", "--out", str(tmp_path / "g"), "--count", "3"])
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert f"--out {tmp_path / 'g'} already exists and is not empty; add --force to replace it" in r.stderr
    r = runner.invoke(app, ["train", "--data", str(tmp_path / "nothing"), "--out", str(tmp_path / "m.pt")])
    assert r.exit_code == 1 and f"letters generate --out {tmp_path / 'nothing'}" in r.stderr
