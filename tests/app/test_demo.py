"""`letters demo` end to end, small."""

from letters.app.cli import app


def test_demo_runs_end_to_end(runner, tmp_path):
    out = tmp_path / "tour"
    result = runner.invoke(app, ["demo", "--out", str(out), "--count", "150", "--epochs", "2", "--probes", "15",
                                 "--device", "cpu"], env={"COLUMNS": "200"})  # file paths stay on one line
    assert result.exit_code == 0, result.output
    for path in ("glyphs/sheet.png", "letters-mlp.pt", "letters-mlp.curves.png", "analysis/report.html",
                 "analysis/weights.png", "analysis/roles.png", "analysis/example.png"):
        assert (out / path).exists(), path
    assert "report.html" in result.stdout and "samples" in result.stdout
    assert not list(tmp_path.glob(".tour.*"))
