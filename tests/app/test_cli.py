"""The command line: help without torch, generate end to end, one-line errors."""

import json
import subprocess
import sys

from letters.app.cli import app


def test_help_does_not_import_torch_or_torchvision():
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom letters.app.cli import app\n"
            "for args in (['--help'], ['generate', '--help'], ['train', '--help'], ['classify', '--help'],"
            " ['evaluate', '--help'], ['analyze', '--help'], ['demo', '--help']):\n"
            "    assert CliRunner().invoke(app, args).exit_code == 0, args\n"
            "assert 'torch' not in sys.modules and 'torchvision' not in sys.modules, 'imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_classify_imports_neither_the_generator_nor_training_nor_torchvision(tmp_path, tiny_model):
    from conftest import draw_letter

    draw_letter("B").save(tmp_path / "b.png")
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom letters.app.cli import app\n"
            f"result = CliRunner().invoke(app, ['classify', {str(tmp_path / 'b.png')!r}, '--model', {str(tiny_model)!r}])\n"
            "assert result.exit_code == 0, result.output\n"
            "loaded = [m for m in ('letters.glyphs', 'letters.generator', 'letters.dataset', 'letters.train', "
            "'letters.analysis', 'torchvision') if m in sys.modules]\n"
            "assert not loaded, loaded\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_python_dash_m_runs_the_cli():
    out = subprocess.run([sys.executable, "-m", "letters", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "generate" in out.stdout


def test_generate_writes_a_dataset_and_refuses_to_overwrite(runner, tmp_path):
    out = tmp_path / "glyphs"
    result = runner.invoke(app, ["generate", "--out", str(out), "--count", "90", "--json"])
    assert result.exit_code == 0, result.output
    meta = json.loads(result.stdout)
    assert meta["count"] == 90 and (out / "sheet.png").exists() and (out / "glyphs.pt").exists()
    before = (out / "glyphs.pt").read_bytes()
    again = runner.invoke(app, ["generate", "--out", str(out), "--count", "60", "--seed", "1"])
    assert again.exit_code == 1 and "--force" in again.stderr
    assert (out / "glyphs.pt").read_bytes() == before
    forced = runner.invoke(app, ["generate", "--out", str(out), "--count", "60", "--seed", "1", "--force"])
    assert forced.exit_code == 0 and json.loads((out / "meta.json").read_text())["count"] == 60
    assert not list(tmp_path.glob(".glyphs.*"))  # no staging or backup folders left behind


def test_unknown_option_is_one_line(runner):
    result = runner.invoke(app, ["generate", "--colour", "red"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "No such option" in result.stderr


def test_train_prints_a_metrics_table(runner, small_dataset, tmp_path):
    result = runner.invoke(app, ["train", "--data", str(small_dataset), "--out", str(tmp_path / "m.pt"),
                                 "--hidden", "8,4", "--epochs", "2", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert "val acc" in result.stdout and (tmp_path / "m.curves.png").exists()


def test_internal_error_is_one_line_and_letters_debug_shows_its_traceback(runner, monkeypatch, letter_files):
    import letters.network.checkpoint

    def broken(*args, **kwargs):
        raise RuntimeError("boom inside")

    monkeypatch.setattr(letters.network.checkpoint, "load_model", broken)
    monkeypatch.delenv("LETTERS_DEBUG", raising=False)
    quiet = runner.invoke(app, ["classify", str(letter_files["A"])])
    assert quiet.exit_code == 1 and quiet.stderr.count("\n") == 1
    assert "internal error: RuntimeError: boom inside" in quiet.stderr and "Traceback" not in quiet.stderr
    monkeypatch.setenv("LETTERS_DEBUG", "1")
    loud = runner.invoke(app, ["classify", str(letter_files["A"])])
    assert loud.exit_code == 1 and "Traceback (most recent call last)" in loud.stderr and "in broken" in loud.stderr
    assert loud.stderr.rstrip().splitlines()[-1].startswith("letters: internal error: RuntimeError: boom inside")


def test_no_arguments_prints_help_and_usage_errors_stay_one_line(runner):
    bare = runner.invoke(app, [])
    assert bare.exit_code == 2 and "Commands" in bare.stderr + bare.stdout
    missing = runner.invoke(app, ["classify"])
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1 and "letters classify --help" in missing.stderr
