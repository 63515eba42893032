"""Every tool in bench/, scripts/ and research/ runs against the package as it is: one smoke test each, in
the tool's quick mode, in this process (a tool's `main(argv)`, imported by path: a subprocess would pay
for importing torch again), writing only under the test's tmp_path, and checking a figure or a file.

The benchmarks that time whole `letters` processes get a stand-in for their timer: it checks each command
they would time against the real command line (`letters <command> <options> --help` in this process,
which fails on a command or an option that no longer exists) and answers one second, so the figures'
lines are printed and read without a minute of subprocesses. The shell scripts are parsed by bash and
their `letters` lines checked the same way. Tools that need a browser skip, saying why, without one.
"""

from __future__ import annotations

import ast
import csv
import importlib
import importlib.util
import json
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import torch
from conftest import ROOT
from PIL import Image
from typer.testing import CliRunner

from letters.app.browser import why_no_browser
from letters.app.cli import app
from letters.config import DatasetConfig
from letters.drawing.dataset import write_dataset
from letters.network.shipped import DEFAULT_MODEL

TOOL_FOLDERS = ("bench", "scripts", "research")
HELPERS = {"bench/timing.py"}  # imported by the tools, not run


def tool_files(suffix: str) -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for folder in TOOL_FOLDERS for p in (ROOT / folder).glob(f"*{suffix}")
                  if p.relative_to(ROOT).as_posix() not in HELPERS)


@pytest.fixture(autouse=True)
def sandbox(tmp_path, monkeypatch):
    """The working folder and the temporary folder inside tmp_path, no bytecode written beside the tools,
    and torch's thread count as it was (research's tools set two)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def load_tool(name: str, monkeypatch):
    """A tool as a module, imported by path with its own folder first on sys.path (bench's `timing`,
    scripts' `make_real_set`), as `python <tool>` runs it."""
    path = ROOT / name
    monkeypatch.syspath_prepend(str(path.parent))
    spec = importlib.util.spec_from_file_location(f"tool_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def check_letters_args(args: list[str]) -> None:
    """`letters <args>` names a command and options that exist: with --help appended, click parses every
    option name (an unknown one is exit 2) and stops before running anything."""
    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output, f"letters {shlex.join(args)}: {result.output}"


def check_command(command: list[str]) -> None:
    """A command a benchmark times: this Python running `-m letters ...` (checked), or `-c` code that
    compiles (and, when it hands on to `-m letters`, that command too)."""
    assert command[0] == sys.executable, command
    if command[1] == "-c":
        compile(command[2], "<-c>", "exec")
    if "-m" in command:
        at = command.index("-m")
        assert command[at + 1] == "letters", command
        check_letters_args(command[at + 2:])
    else:
        assert command[1] == "-c", command


@pytest.fixture
def timed(monkeypatch):
    """A stand-in for bench/timing.py's timed: checks each command, answers 1 s, keeps what it was given."""
    calls: list[tuple[list[str], int]] = []

    def fake(command: list[str], repeat: int) -> float:
        check_command(command)
        calls.append((command, repeat))
        return 1.0

    return fake, calls


# ---------------------------------------------------------------- bench/


@pytest.mark.parametrize("name, argv, commands, figures", [
    ("bench/bench_analyze.py", ["--quick"], [["analyze", "--probes", "20"]] * 2,
     [r"letters analyze, quiet: +1\.00 s", r"letters analyze, one core busy: +1\.00 s", r"units \(responses, dissection, ablation\) +\d+\.\d\d s"]),
    ("bench/bench_experiments.py", ["--quick"], [["morph", "--json"], ["decay", "--quick", "--json", "--cache"]],
     [r"letters morph: +1\.0 s", r"letters decay --quick: +1\.0 s"]),
    ("bench/bench_help.py", ["--quick"], [None, ["--help"], ["classify", "--help"]],
     [r"letters --help: +1000 ms +ratio 1\.00", r"letters classify --help: +1000 ms"]),
    ("bench/bench_methods.py", ["--quick"], [["methods", "--quick"]],
     [r"letters methods --quick \(6 glyphs of each letter\), median of 1: +1\.00 s"]),
])
def test_a_process_benchmark_times_real_commands_and_prints_its_figures(name, argv, commands, figures, timed, monkeypatch, capsys):
    tool = load_tool(name, monkeypatch)
    fake, calls = timed
    monkeypatch.setattr(tool, "timed", fake)
    tool.main(argv)
    out = capsys.readouterr().out
    assert len(calls) == len(commands) and all(repeat == 1 for _, repeat in calls)
    for (command, _), start in zip(calls, commands):
        if start is not None:  # the letters part of the command begins so
            letters = command[command.index("-m") + 2:]
            assert letters[:len(start)] == start, command
    for figure in figures:
        assert re.search(figure, out), f"{figure!r} not in:\n{out}"


def test_bench_classify_times_one_file_and_a_folder_it_drew_in_tmp(timed, monkeypatch, capsys, tmp_path):
    tool = load_tool("bench/bench_classify.py", monkeypatch)
    fake, calls = timed
    drawn: list[Path] = []

    def look(command, repeat):
        paths = [Path(c) for c in command[4:] if not c.startswith("--")] if command[1] == "-m" else []
        assert all(p.exists() and tmp_path / "tmp" in p.parents for p in paths)  # there while timed, under tmp_path
        drawn.extend(paths)
        return fake(command, repeat)

    monkeypatch.setattr(tool, "timed", look)
    tool.main(["--quick"])
    assert [c[3] if c[1] == "-m" else c[2] for c, _ in calls] == ["import torch", "classify", "classify"]
    assert [p.name for p in drawn] == ["0000.png", "many"]
    assert not any(p.exists() for p in drawn)  # the temporary folder is gone after
    out = capsys.readouterr().out
    assert re.search(r"letters classify one\.png: +1\.00 s +ratio 1\.00", out)
    assert re.search(r"letters classify 3 files: +1\.00 s +ratio to one file 1\.00", out)


def test_bench_draw_times_updates_in_the_process_and_over_http(monkeypatch, capsys):
    load_tool("bench/bench_draw.py", monkeypatch).main(["--quick"])
    out = capsys.readouterr().out
    assert re.search(r"one update: a B of 3 strokes, \d{3} points", out)
    for line in ("in the process, bytes to bytes:", "over HTTP, request to last byte:", "of which inside the app (Server-Timing):"):
        assert re.search(re.escape(line) + r" +median +\d+\.\d\d ms +p95 +\d+\.\d\d ms", out), out
    flood = re.search(r"flood: 4 clients sending maximal drawings \((\d+) bytes, 20000 points\).*answers (\{.*\})", out)
    assert flood and int(flood[1]) <= 1 << 20, out
    assert re.search(r"a small update meanwhile \((\d+) of \1 answered 200\): +median", out), out  # never refused


def test_bench_generate_compares_glyphs_per_second_with_bare_pillow(monkeypatch, capsys):
    load_tool("bench/bench_generate.py", monkeypatch).main(["--quick"])
    out = capsys.readouterr().out
    assert re.search(r"bare Pillow, 3 lines, 1 core: +\d+ images/s", out)
    assert re.search(r"letters generate, 1 worker: +\d+ glyphs/s", out) and re.search(r"ratio to the bare Pillow loop: +\d+\.\d\d", out)


def test_bench_suite_runs_pytest_and_lists_the_slowest_tests(monkeypatch, capsys, tmp_path):
    (tmp_path / "test_tiny.py").write_text("import time\n\ndef test_slow():\n    time.sleep(0.05)\n\ndef test_quick():\n    pass\n")
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # the child pytest: no xdist, hypothesis, ... to start
    tool = load_tool("bench/bench_suite.py", monkeypatch)
    assert tool.main(["--slowest", "2", "test_tiny.py"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^0\.\d\ds call +test_tiny\.py::test_slow$", out, re.M), out
    assert re.search(r"^suite: \d+\.\d s \(median of 1; target under 120 s\)$", out, re.M), out


def test_bench_train_compares_our_loop_with_the_dataloader_loop(monkeypatch, capsys):
    load_tool("bench/bench_train.py", monkeypatch).main(["--quick"])
    out = capsys.readouterr().out
    assert re.search(r"our loop \(resident tensors, randperm\): +\d+ samples/s", out)
    assert re.search(r"DataLoader\(TensorDataset, shuffle=True\): +\d+ samples/s", out) and re.search(r"ratio: \d+\.\d\dx", out)
    assert re.search(r"letters to 99% validation accuracy: (\d+\.\d+|inf) s", out)
    assert "scikit-learn" in out  # its figure, or the line saying how to install it


# ---------------------------------------------------------------- scripts/


def test_make_docs_writes_the_readme_pictures_and_numbers_where_told(monkeypatch, capsys, tmp_path):
    load_tool("scripts/make_docs.py", monkeypatch).main(["--quick", "--out", str(tmp_path / "docs"), "--report", str(tmp_path / "report")])
    docs = tmp_path / "docs"
    assert sorted(p.name for p in docs.iterdir()) == ["analysis.json", "curves.png", "misclassification.png", "roles.png",
                                                    "sheet.png", "weights.png"]
    for name in ("curves.png", "misclassification.png", "roles.png", "sheet.png", "weights.png"):
        with Image.open(docs / name) as image:
            assert image.format == "PNG" and min(image.size) > 50
    numbers = json.loads((docs / "analysis.json").read_text())
    assert numbers["probes"]["per_role"] == 20 and sum(numbers["counts"].values()) == sum(numbers["dims"]["hidden"])
    assert numbers["example"]["target"] == "C" and numbers["lookalikes"] and numbers["dissection_baselines"]
    assert (tmp_path / "report" / "report.html").is_file()
    out = capsys.readouterr().out
    assert "not rebuilt: --quick" in out and re.search(r"called C in \d+%", out)


@pytest.mark.skipif(why_no_browser() is not None, reason=f"make_draw_screenshot needs a browser: {why_no_browser()}")
def test_make_draw_screenshot_draws_a_b_and_saves_the_page(monkeypatch, capsys, tmp_path):
    out = tmp_path / "shots" / "draw.png"
    load_tool("scripts/make_draw_screenshot.py", monkeypatch).main(["--quick", "--out", str(out)])
    assert "the network says B" in capsys.readouterr().out
    with Image.open(out) as image:
        assert image.format == "PNG" and image.width >= 1000


def test_make_real_set_writes_each_drawing_three_ways(monkeypatch, capsys, tmp_path):
    out = tmp_path / "real"
    load_tool("scripts/make_real_set.py", monkeypatch).main(["--quick", "--out", str(out)])
    assert sorted(p.name for p in out.iterdir()) == ["A", "B", "C"]
    for letter in "ABC":
        stems = sorted(p.stem for p in (out / letter).glob("*.jpg"))
        assert any(s.startswith("mouse-0-") for s in stems)  # one mouse drawing a letter, at three sizes
        for stem in stems:
            with Image.open(out / letter / f"{stem}.png") as rgb, Image.open(out / letter / f"{stem}-alpha.png") as alpha:
                assert rgb.mode == "RGB" and alpha.mode == "RGBA" and rgb.size == alpha.size
    files = sum(1 for _ in out.rglob("*.*"))
    assert f"wrote {files} files to {out}" in capsys.readouterr().out


def test_make_nonletter_set_writes_drawings_and_noise(monkeypatch, capsys, tmp_path):
    out = tmp_path / "nonletters"
    load_tool("scripts/make_nonletter_set.py", monkeypatch).main(["--quick", "--out", str(out)])
    names = sorted(p.name for p in out.iterdir())
    assert [n for n in names if n.startswith("noise-")] == ["noise-00.png", "noise-01.png", "noise-02.png"]
    assert {n for n in names if n.startswith("mouse-")} == {f"mouse-{k}-64.png" for k in ("circle", "eight", "D", "a", "scribble", "zigzag")}
    with Image.open(out / "mouse-eight-64.png") as image:
        assert image.mode == "L" and image.getextrema() == (0, 255)  # black ink on white paper
    assert f"wrote {len(names)} files to {out}" in capsys.readouterr().out


def test_set_scripts_write_only_a_new_folder_and_whole(monkeypatch, tmp_path):
    """--out holding anything at all (a user's photos, an older set), or a link, is refused in one line
    and left whole; a run that fails part-way leaves no folder behind."""
    from letters.errors import LettersError

    tool = load_tool("scripts/make_real_set.py", monkeypatch)
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "beach.jpg").write_bytes(b"mine")
    (tmp_path / "link").symlink_to(tmp_path / "empty-elsewhere", target_is_directory=True)
    for out in (photos, tmp_path / "link"):
        with pytest.raises(LettersError, match="nothing was written"):
            tool.main(["--quick", "--out", str(out)])
    assert (photos / "beach.jpg").read_bytes() == b"mine" and not (tmp_path / "empty-elsewhere").exists()

    def broken(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(tool, "draw_paths", broken)  # Ctrl-C part-way through the drawings
    with pytest.raises(KeyboardInterrupt):
        tool.main(["--quick", "--out", str(tmp_path / "new")])
    assert not [p.name for p in tmp_path.iterdir() if "new" in p.name]  # no set, no staging folder left


@pytest.mark.parametrize("tool, argv", [
    ("scripts/make_commands_doc.py", ["--out", "{link}"]),
    ("scripts/make_draw_screenshot.py", ["--quick", "--out", "{link}"]),
    ("scripts/make_docs.py", ["--quick", "--out", "{folder}", "--report", "{tmp}/report"]),
    ("scripts/make_samples.py", ["--out", "{folder}"]),
    ("research/recipes.py", ["--quick", "--out", "{link}"]),
    ("research/dead_units.py", ["--count", "30", "--out", "{link}"]),
    ("research/detectors.py", ["--quick", "--out", "{link}"]),
])
def test_tools_never_write_through_a_link_and_refuse_before_the_work(monkeypatch, tmp_path, tool, argv):
    """An output that is a link, or a link where a tool writes inside its folder, is refused in one line
    before any work, and the file it points to keeps its bytes."""
    from letters.errors import LettersError

    mine = tmp_path / "mine.png"
    mine.write_bytes(b"the user's")
    (tmp_path / "link.png").symlink_to(mine)
    folder = tmp_path / "out"
    folder.mkdir()
    for name in ("analysis.json", "A-pen.png"):  # one name make_docs writes, one make_samples writes
        (folder / name).symlink_to(mine)
    args = [a.format(link=tmp_path / "link.png", folder=folder, tmp=tmp_path) for a in argv]
    module = load_tool(tool, monkeypatch)
    monkeypatch.setattr(sys, "argv", [tool, *args])
    with pytest.raises(LettersError, match="symbolic link"):
        module.main(args)
    assert mine.read_bytes() == b"the user's"


def test_make_photo_set_writes_photos_and_their_manifest(monkeypatch, capsys, tmp_path):
    out = tmp_path / "photos"
    tool = load_tool("scripts/make_photo_set.py", monkeypatch)
    assert tool.main(["--quick", "--kinds", "tilt", "--seed", "3", "--out", str(out)]) == 0  # a kind without scikit-image
    with open(out / "manifest.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 and {row["kind"] for row in rows} == {"tilt"} and {row["letter"] for row in rows} == set("ABC")
    for row in rows:
        with Image.open(out / row["file"]) as photo:
            assert photo.format == "JPEG" and photo.mode == "RGB" and max(photo.size) <= tool.SLICE_SIDE
    assert f"wrote 6 photos to {out}" in capsys.readouterr().out


def test_make_samples_redraws_the_shipped_samples(monkeypatch, tmp_path):
    out = tmp_path / "samples"
    load_tool("scripts/make_samples.py", monkeypatch).main(["--out", str(out)])
    shipped = DEFAULT_MODEL.parent / "samples"
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in shipped.iterdir())
    for path in out.iterdir():
        with Image.open(path) as new, Image.open(shipped / path.name) as old:
            assert (new.format, new.mode, new.size) == (old.format, old.mode, old.size)
            if new.format == "PNG":  # lossless: the same seeded drawing, pixel for pixel
                assert new.tobytes() == old.tobytes()


HEREDOC = re.compile(r"<<'PY'\n(.*?)\nPY\n", re.S)


def shell_text(script: Path) -> str:
    """A shell script without its here-document, continuation lines joined."""
    return HEREDOC.sub("\n", script.read_text()).replace("\\\n", " ")


def shell_lines(script: Path) -> list[list[str]]:
    """The `letters ...` command lines of a shell script, each cut at a pipe."""
    commands = []
    for line in shell_text(script).splitlines():
        if line.startswith("letters "):
            words = shlex.split(line, comments=True)
            commands.append(words[1:words.index("|")] if "|" in words else words[1:])
    return commands


@pytest.mark.parametrize("name", tool_files(".sh"))
def test_a_shell_script_parses_and_names_commands_options_and_paths_that_exist(name):
    script = ROOT / name
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True).returncode == 0
    commands = shell_lines(script)
    assert commands, "no letters line found"
    for args in commands:
        check_letters_args(args)
    paths = [w for w in shlex.split(shell_text(script), comments=True) if re.match(r"(letters|research|scripts|bench)/", w)]
    assert all((ROOT / p).exists() for p in paths), [p for p in paths if not (ROOT / p).exists()]
    heredoc = HEREDOC.search(script.read_text())
    if heredoc:  # its Python's imports from letters resolve
        for node in ast.walk(ast.parse(heredoc.group(1))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("letters"):
                module = importlib.import_module(node.module)
                assert all(hasattr(module, alias.name) for alias in node.names), ast.unparse(node)


# ---------------------------------------------------------------- research/


def test_eval_real_scores_each_set_and_the_detector(monkeypatch, capsys):
    load_tool("research/eval_real.py", monkeypatch).main(["--quick", "--json"])
    report = json.loads(capsys.readouterr().out)
    for name in ("real", "handwriting"):
        assert report[name]["all"]["n"] == 18 and 0 <= report[name]["all"]["accuracy"] <= 1  # 6 files of each letter
        assert report[name]["none_of_the_letters"]["n"] == 18
    assert report["real"]["same_answer_three_formats"]["drawings"] == 6
    assert report["nonletters"]["none_of_the_letters"]["n"] == 6
    assert report["generated"]["seed"] == 2026 and report["threshold_tradeoff"]


def test_recapture_scores_every_capture_of_the_first_letters(monkeypatch, capsys, tmp_path):
    pytest.importorskip("skimage")  # the centre lines of the stylus copies
    tool = load_tool("research/recapture.py", monkeypatch)
    assert tool.main(["--quick", "--json", "--out", str(tmp_path / "captures")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [row["capture"] for row in report["captures"]] == list(tool.CAPTURES)
    assert all(row["n"] == 15 for row in report["captures"])  # 5 of each letter
    with Image.open(next((tmp_path / "captures" / "stylus" / "B").iterdir())) as stylus:
        assert stylus.size == (224, 224)


def test_recipes_screens_an_arm_and_writes_its_numbers(monkeypatch, capsys, tmp_path):
    write_dataset(tmp_path / "glyphs", DatasetConfig(count=90, seed=5))
    tool = load_tool("research/recipes.py", monkeypatch)
    monkeypatch.setattr(sys, "argv", ["recipes.py", "--quick", "--data", "glyphs", "--base", "hidden=16,augment=0", "--out", "screen.json",
                                      "--models", str(DEFAULT_MODEL)])
    tool.main()
    out = capsys.readouterr().out
    assert re.search(r"^base +\d+\.\d +\d\.\d{4} +\d+\.\d\d +\d\.\d{4} +\d+\.\d\d$", out, re.M), out
    assert re.search(r"^letters-mlp\.pt \(\d+ units\) +\d+\.\d +- +- +\d\.\d{4} ", out, re.M), out  # a saved model's row
    arm = json.loads((tmp_path / "screen.json").read_text())["arms"][0]
    assert arm["config"]["hidden"] == [16] and arm["config"]["epochs"] == 1
    assert {"dead", "val_accuracy", "shift_accuracy", "shift_cross_entropy"} <= set(arm["seeds"][0])


def test_dead_units_counts_dead_units_per_arm(monkeypatch, capsys, tmp_path):
    tool = load_tool("research/dead_units.py", monkeypatch)
    monkeypatch.setattr(sys, "argv", ["dead_units.py", "--count", "300", "--seeds", "0", "--arms", "base", "hidden=8",
                                      "--base", "epochs=1,augment=0,hidden=16", "--out", "dead.json"])
    tool.main()
    out = capsys.readouterr().out
    assert re.search(r"^base +16 ", out, re.M) and re.search(r"^hidden=8 +8 ", out, re.M)
    arms = json.loads((tmp_path / "dead.json").read_text())["arms"]
    assert [a["arm"] for a in arms] == ["base", "hidden=8"]
    assert all(0 <= row["dead"] <= row["units"] for a in arms for row in a["seeds"])


def test_detectors_screens_an_arm_on_generated_and_real_sets(monkeypatch, capsys, tmp_path):
    load_tool("research/detectors.py", monkeypatch).main(["--quick", "--arms", "base", "hidden=8", "--out", "det.json"])
    out = capsys.readouterr().out
    assert re.search(r"^hidden=8 +\d+ +\d+\.\d(  +\d+\.\d){5}$", out, re.M), out
    report = json.loads((tmp_path / "det.json").read_text())
    assert [a["config"]["hidden"] for a in report["arms"]] == [[16], [8]]
    assert all(0 <= v <= 1 for a in report["arms"] for v in a["flagged"].values())
    assert set(report["arms"][0]["flagged"]) == {"data/nonletters", "shapes", "data/handwriting", "data/real", "data/photos"}


def test_photos_scores_a_photo_set_by_letter_source_and_kind(monkeypatch, capsys):
    load_tool("research/photos.py", monkeypatch).main([str(ROOT / "data" / "photos"), "--quick", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 12 and sum(r["n"] for r in report["kind"].values()) == 12
    assert all(0 <= r["low"] <= r["rate"] <= r["high"] <= 1 for r in report["letter"].values())
    assert report["wrong_flagged"] <= report["wrong"] <= 12


def test_unsure_tabulates_floors_and_chooses_one_within_budget(monkeypatch, capsys):
    tool = load_tool("research/unsure.py", monkeypatch)
    tool.main(["--quick", "--json"])
    report = json.loads(capsys.readouterr().out)
    choosing = next(iter(report["tables"].values()))
    assert [row["floor"] for row in choosing] == [0.0, *tool.FLOORS]
    assert all(a["flagged"] <= b["flagged"] for a, b in zip(choosing, choosing[1:]))  # a higher floor flags more
    within = [row["floor"] for row in choosing if row["flagged"] <= tool.BUDGET]
    assert report["chosen_floor"] == (max(within) if within else 0.0)


def test_make_commands_doc_lists_every_option_of_every_command(monkeypatch, capsys, tmp_path):
    load_tool("scripts/make_commands_doc.py", monkeypatch).main(["--out", str(tmp_path / "commands.md")])
    text = (tmp_path / "commands.md").read_text()
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert f"## `letters {name}`" in text
        for param in command.params:
            for option in param.opts:
                assert f"`{option}" in text, (name, option)


def test_the_shipped_commands_page_is_the_generated_one(monkeypatch, tmp_path):
    load_tool("scripts/make_commands_doc.py", monkeypatch).main(["--out", str(tmp_path / "commands.md")])
    assert (ROOT / "docs" / "commands.md").read_text() == (tmp_path / "commands.md").read_text(), \
        "docs/commands.md is stale: python scripts/make_commands_doc.py"


# ---------------------------------------------------------------- all of them


TESTED = {  # each tool and the test that runs it
    **dict.fromkeys(["bench/bench_analyze.py", "bench/bench_experiments.py", "bench/bench_help.py", "bench/bench_methods.py"],
                    test_a_process_benchmark_times_real_commands_and_prints_its_figures),
    "bench/bench_classify.py": test_bench_classify_times_one_file_and_a_folder_it_drew_in_tmp,
    "bench/bench_draw.py": test_bench_draw_times_updates_in_the_process_and_over_http,
    "bench/bench_generate.py": test_bench_generate_compares_glyphs_per_second_with_bare_pillow,
    "bench/bench_suite.py": test_bench_suite_runs_pytest_and_lists_the_slowest_tests,
    "bench/bench_train.py": test_bench_train_compares_our_loop_with_the_dataloader_loop,
    "scripts/make_docs.py": test_make_docs_writes_the_readme_pictures_and_numbers_where_told,
    "scripts/make_draw_screenshot.py": test_make_draw_screenshot_draws_a_b_and_saves_the_page,
    "scripts/make_nonletter_set.py": test_make_nonletter_set_writes_drawings_and_noise,
    "scripts/make_photo_set.py": test_make_photo_set_writes_photos_and_their_manifest,
    "scripts/make_real_set.py": test_make_real_set_writes_each_drawing_three_ways,
    "scripts/make_samples.py": test_make_samples_redraws_the_shipped_samples,
    "research/dead_units.py": test_dead_units_counts_dead_units_per_arm,
    "research/eval_real.py": test_eval_real_scores_each_set_and_the_detector,
    "research/recapture.py": test_recapture_scores_every_capture_of_the_first_letters,
    "research/recipes.py": test_recipes_screens_an_arm_and_writes_its_numbers,
    "research/detectors.py": test_detectors_screens_an_arm_on_generated_and_real_sets,
    "research/photos.py": test_photos_scores_a_photo_set_by_letter_source_and_kind,
    "research/unsure.py": test_unsure_tabulates_floors_and_chooses_one_within_budget,
    "scripts/make_commands_doc.py": test_make_commands_doc_lists_every_option_of_every_command,
}


def test_every_python_tool_has_a_smoke_test():
    assert sorted(TESTED) == tool_files(".py")


@pytest.mark.parametrize("name", tool_files(".py") + sorted(HELPERS))
def test_a_tool_imports_neither_tests_nor_private_names(name):
    tree = ast.parse((ROOT / name).read_text())
    for node in ast.walk(tree):
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        assert not any(m == "tests" or m.startswith("tests.") for m in modules), ast.unparse(node)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("letters"):
            assert not any(a.name.startswith("_") for a in node.names), ast.unparse(node)
            module = importlib.import_module(node.module or "")
            assert all(hasattr(module, a.name) for a in node.names), ast.unparse(node)  # a name that still exists
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "letters":
            assert not node.attr.startswith("_"), ast.unparse(node)
    assert '"tests"' not in (ROOT / name).read_text()  # no sys.path into tests/
