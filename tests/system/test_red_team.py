"""The red team's findings (issue 33), each a test that failed before its fix: --force deletes only
what letters made, no output is written through a symbolic link, Ctrl-C in every phase of train,
a FIFO or a damaged entry in the decay cache, the draw server's Host check on any address, its 4xx
for every bad request, outputs checked before the work, and the smaller ones."""

import json
import os
import stat
import subprocess
import sys

import pytest
import torch
from conftest import draw_letter

from letters.app.cli import app

# ---------------------------------------------------------------- generate --force and the manifest


def _tree(folder):
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
            for p in sorted(folder.rglob("*"))}


def test_force_never_deletes_a_file_letters_did_not_make_under_png(runner, tmp_path):
    ds = tmp_path / "ds"
    assert runner.invoke(app, ["generate", "--out", str(ds), "--count", "60", "--png"]).exit_code == 0
    draw_letter("A").save(ds / "png" / "A" / "my-drawing.png")
    (ds / "png" / "A" / "keep").mkdir()
    (ds / "png" / "A" / "keep" / "notes.txt").write_text("work")
    before = _tree(ds)
    result = runner.invoke(app, ["generate", "--out", str(ds), "--count", "60", "--force"])
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1, result.output
    assert "my-drawing.png" in result.stderr or "keep" in result.stderr  # the first stranger is named
    assert _tree(ds) == before and sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


def test_force_refuses_an_edited_file_a_link_and_a_forged_meta(runner, tmp_path):
    ds = tmp_path / "ds"
    assert runner.invoke(app, ["generate", "--out", str(ds), "--count", "30", "--png"]).exit_code == 0
    victim = next((ds / "png" / "B").iterdir())
    victim.write_bytes(b"my own picture now")  # a name letters wrote, content someone else's
    result = runner.invoke(app, ["generate", "--out", str(ds), "--count", "30", "--force"])
    assert result.exit_code == 1 and victim.name in result.stderr and victim.read_bytes() == b"my own picture now"
    victim.unlink()
    (tmp_path / "elsewhere.txt").write_text("mine")
    (ds / "png" / "B" / "link.png").symlink_to(tmp_path / "elsewhere.txt")
    result = runner.invoke(app, ["generate", "--out", str(ds), "--count", "30", "--force"])
    assert result.exit_code == 1 and "link.png" in result.stderr and (tmp_path / "elsewhere.txt").read_text() == "mine"
    forged = tmp_path / "forged"
    forged.mkdir()
    (forged / "meta.json").write_text(json.dumps({"format": "letters-glyphs"}))
    (forged / "glyphs.pt").write_text("my thesis")
    result = runner.invoke(app, ["generate", "--out", str(forged), "--count", "30", "--force"])
    assert result.exit_code == 1 and (forged / "glyphs.pt").read_text() == "my thesis"


def test_force_replaces_a_dataset_letters_made_whole(runner, tmp_path):
    ds = tmp_path / "ds"
    assert runner.invoke(app, ["generate", "--out", str(ds), "--count", "30", "--png"]).exit_code == 0
    result = runner.invoke(app, ["generate", "--out", str(ds), "--count", "60", "--force"])
    assert result.exit_code == 0, result.output
    assert json.loads((ds / "meta.json").read_text())["count"] == 60 and not (ds / "png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


# ---------------------------------------------------------------- symbolic links


def test_no_command_writes_through_a_symbolic_link(runner, tmp_path, tiny_dataset, tiny_model, letter_files):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    os.chmod(notes, 0o600)
    (tmp_path / "x.pt").symlink_to(notes)
    (tmp_path / "seen.png").symlink_to(notes)
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "report.html").symlink_to(notes)
    (tmp_path / "dataset-link").symlink_to(tmp_path / "report")
    runs = [["train", "--data", str(tiny_dataset), "--out", str(tmp_path / "x.pt"), "--epochs", "1", "--hidden", "4"],
            ["classify", str(letter_files["A"]), "--model", str(tiny_model), "--save-input", str(tmp_path / "seen.png")],
            ["analyze", "--model", str(tiny_model), "--probes", "2", "--out", str(tmp_path / "report")],
            ["generate", "--out", str(tmp_path / "dataset-link"), "--count", "30", "--force"]]
    for args in runs:
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert "symbolic link" in result.stderr and len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
    assert notes.read_text() == "my notes" and stat.S_IMODE(os.stat(notes).st_mode) == 0o600
    assert (tmp_path / "dataset-link").is_symlink() and sorted(p.name for p in (tmp_path / "report").iterdir()) == ["report.html"]
    assert not list(tmp_path.glob(".*"))  # no temporary and no .old folder left


# ---------------------------------------------------------------- Ctrl-C in every phase of train


def _interrupt_in(phase_name, real):
    """train_and_save with Ctrl-C pressed as the phase `phase_name` starts (the caller's own hook still runs)."""
    def wrapped(*args, on_phase=None, **kwargs):
        def hook(name):
            if on_phase:
                on_phase(name)
            if name == phase_name:
                raise KeyboardInterrupt
        return real(*args, on_phase=hook, **kwargs)
    return wrapped


@pytest.mark.parametrize("phase", ["load", "train", "detector", "save"])
def test_ctrl_c_in_each_phase_of_train(phase, runner, tmp_path, small_dataset, letter_files, monkeypatch):
    import letters.network.fit
    import letters.network.train

    monkeypatch.setattr(letters.network.fit, "train_and_save", _interrupt_in(phase, letters.network.fit.train_and_save))
    work = tmp_path / "work"
    work.mkdir()
    out = work / "m.pt"
    result = runner.invoke(app, ["train", "--data", str(small_dataset), "--out", str(out), "--hidden", "8",
                                 "--epochs", "3", "--device", "cpu"])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 130 and len(lines) == 1 and "Ctrl-C" in lines[0], (phase, result.output)
    left = sorted(p.name for p in work.iterdir())
    if phase != "detector":
        assert left == [], left  # nothing half-written; before the classifier finished there is nothing to keep
        return
    assert left == ["m.curves.png", "m.pt"] and "without it" in lines[0]
    checkpoint = torch.load(out, weights_only=True)
    assert "novelty" not in checkpoint and "Ctrl-C" in checkpoint["novelty_missing"]
    assert checkpoint["metrics"]["epochs_run"] == 3 and checkpoint["metrics"]["interrupted"] is False
    told = runner.invoke(app, ["classify", str(letter_files["B"]), "--model", str(out)])
    assert told.exit_code == 0 and "no none-of-the-letters detector" in told.stderr and "Ctrl-C" in told.stderr


def test_ctrl_c_inside_the_first_epoch_is_exit_130_and_says_what_happened(runner, tmp_path, small_dataset, monkeypatch):
    import letters.network.fit
    import letters.network.train

    real = letters.network.train.train_model

    def stopped(data, config, on_step=None, on_epoch=None):
        def step(done, total, model):
            raise KeyboardInterrupt
        return real(data, config, on_step=step, on_epoch=on_epoch)

    monkeypatch.setattr(letters.network.fit, "train_model", stopped)
    result = runner.invoke(app, ["train", "--data", str(small_dataset), "--out", str(tmp_path / "m.pt"), "--hidden", "4"])
    assert result.exit_code == 130 and "before the first epoch finished" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_the_detector_fits_never_saves_a_detector_cut_short(tmp_path, small_dataset, monkeypatch):
    """The detector's own loop swallowed Ctrl-C and a detector of one epoch in ten was saved as whole."""
    import letters.network.fit
    import letters.network.train
    from letters.config import NoveltyConfig, TrainConfig

    real = letters.network.train.train_model
    calls = []

    def second_run_interrupted(data, config, on_step=None, on_epoch=None):
        calls.append(config)
        if len(calls) == 1:
            return real(data, config, on_step=on_step, on_epoch=on_epoch)

        def epoch(record):  # the detector's first epoch ends, then Ctrl-C
            raise KeyboardInterrupt
        return real(data, config, on_step=on_step, on_epoch=epoch)

    monkeypatch.setattr(letters.network.fit, "train_model", second_run_interrupted)
    monkeypatch.setattr(letters.network.train, "train_model", second_run_interrupted)  # the detector's, via novelty
    _, result = letters.network.fit.train_and_save(small_dataset, tmp_path / "m.pt", TrainConfig(hidden=(4,), epochs=2, device="cpu"),
                                             novelty=NoveltyConfig(count=60, epochs=3, hidden=(4,)))
    assert result.detector == "interrupted" and "novelty" not in torch.load(tmp_path / "m.pt", weights_only=True)


# ---------------------------------------------------------------- the decay cache


def _decay_args(cache):
    return ["decay", "--sizes", "30", "--decays", "0", "--l1", "0", "--seeds", "1", "--steps", "2", "--test-count", "3",
            "--probes", "1", "--handwriting", "", "--cache", str(cache), "--device", "cpu"]


def _only_cell_path(cache):
    from letters.config import DecayConfig
    from letters.study.decay import cell_key

    config = DecayConfig(sizes=(30,), decays=(0.0,), l1=0.0, seeds=1, steps=2, test_count=3, probes=1, handwriting="",
                         device="cpu")
    return cache / f"{cell_key(config, 30, 0, 'l2', 0.0, '')}.json"


def test_a_fifo_in_the_decay_cache_is_refused_at_once(runner, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    os.mkfifo(_only_cell_path(cache))
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom letters.app.cli import app\n"
            f"r = CliRunner().invoke(app, {_decay_args(cache)!r})\nprint(r.exit_code)\nprint(r.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)  # a hang fails here
    code_line, *err = done.stdout.splitlines()
    assert code_line == "1" and len([e for e in err if e]) == 1 and _only_cell_path(cache).name in err[0], done.stdout
    assert stat.S_ISFIFO(os.lstat(_only_cell_path(cache)).st_mode)


def test_a_damaged_cache_entry_is_retrained_and_named(runner, tmp_path):
    cache = tmp_path / "cache"
    first = runner.invoke(app, [*_decay_args(cache), "--json"])
    assert first.exit_code == 0, first.output
    path = _only_cell_path(cache)
    cell = json.loads(path.read_text())
    for damage in ({**cell, "test_accuracy": 7.5}, {**cell, "gap": "NaN"}, [cell], {**cell, "dead_units": -3}):
        path.write_text(json.dumps(damage))
        again = runner.invoke(app, [*_decay_args(cache), "--json"])
        assert again.exit_code == 0 and path.name in again.stderr and "damaged" in again.stderr, again.output
        report = json.loads(again.stdout)
        assert report["trained"] == 1 and 0.0 <= report["cells"][0]["test_accuracy"] <= 1.0
        assert json.loads(path.read_text()) == report["cells"][0] | {"seconds": json.loads(path.read_text())["seconds"]}


# ---------------------------------------------------------------- the draw server


def test_the_host_check_stays_on_with_any_host(tiny_model):
    from starlette.testclient import TestClient

    from letters.app.drawpad import Pad
    from letters.app.drawserver import DrawServer
    from letters.config import DrawConfig

    pad = Pad.load(tiny_model, DrawConfig(probes=2))
    for host, extra, allowed in (("0.0.0.0", (), ()), ("0.0.0.0", ("studio.lan",), ("studio.lan",))):
        server = DrawServer(DrawConfig(host=host, port=0, allow_host=extra))
        try:
            server.attach(pad)
            client = TestClient(server.app, base_url="http://attacker.example:8765")
            assert client.get("/").status_code == 400  # DNS rebinding: the page, and so the token, is refused
            for name in ("127.0.0.1", "localhost", *allowed):
                assert TestClient(server.app, base_url=f"http://{name}:8765").get("/").status_code == 200, name
        finally:
            server.close()


def test_bad_draw_requests_are_4xx_never_500(tiny_model, tmp_path):
    from starlette.testclient import TestClient

    from letters.app.drawpad import Pad
    from letters.app.drawserver import DrawServer, create_app
    from letters.config import DrawConfig
    from letters.errors import LettersError

    pad = Pad.load(tiny_model, DrawConfig(probes=2))
    client = TestClient(create_app(pad, "t", tmp_path / "c"), base_url="http://127.0.0.1:8765")
    huge = json.dumps({"strokes": [{"points": [[0.1, 0.1], [0.5, 0.5]], "width": 10 ** 400}]})
    r = client.post("/api/update", content=huge, headers={"X-Letters-Token": "t", "Content-Type": "application/json"})
    assert r.status_code == 400 and "too large" in r.json()["error"]
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "A").write_text("a file where a folder of drawings goes")
    with pytest.raises(LettersError, match="not a folder"):
        DrawServer(DrawConfig(port=0), tmp_path / "d", ("A", "B", "C"))


def test_a_client_that_leaves_mid_body_is_not_an_internal_error(tiny_model, capsys):
    import asyncio

    from letters.app.drawpad import Pad
    from letters.app.drawserver import create_app
    from letters.config import DrawConfig

    app_ = create_app(Pad.load(tiny_model, DrawConfig(probes=2)), "t")
    scope = {"type": "http", "method": "POST", "path": "/api/update", "raw_path": b"/api/update", "query_string": b"",
             "headers": [(b"host", b"127.0.0.1"), (b"x-letters-token", b"t"), (b"content-type", b"application/json")],
             "scheme": "http", "server": ("127.0.0.1", 8765), "client": ("127.0.0.1", 5000), "root_path": "",
             "http_version": "1.1"}
    messages = iter([{"type": "http.request", "body": b'{"strokes": [', "more_body": True}, {"type": "http.disconnect"}])
    sent = []

    async def receive():
        return next(messages)

    async def send(message):
        sent.append(message)

    asyncio.run(app_(scope, receive, send))
    assert "internal error" not in capsys.readouterr().err
    assert sent[0]["status"] == 400


# ---------------------------------------------------------------- outputs checked before the work


def test_unwritable_outputs_are_refused_before_the_work(runner, tmp_path, tiny_dataset, tiny_model, monkeypatch):
    import letters.network.fit
    import letters.network.train

    def never(*args, **kwargs):
        raise AssertionError("trained although --out cannot be written")

    monkeypatch.setattr(letters.network.fit, "train_model", never)
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    for args in (["train", "--data", str(tiny_dataset), "--out", str(blocker / "m.pt")],
                 ["analyze", "--model", str(tiny_model), "--probes", "1", "--out", str(blocker / "report")],
                 ["morph", "--model", str(tiny_model), "--samples", "2", "--steps", "3", "--out", str(blocker / "m")],
                 [*_decay_args(blocker / "cache")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and str(blocker) in result.stderr, (args, result.output)
        assert len(result.stderr.strip().splitlines()) == 1
    assert blocker.read_text() == "a file, not a folder"


def test_analyze_refuses_a_bad_report_target_before_drawing_any_picture(runner, tmp_path, tiny_model):
    out = tmp_path / "report"
    out.mkdir()
    os.mkfifo(out / "report.html")
    result = runner.invoke(app, ["analyze", "--model", str(tiny_model), "--probes", "2", "--out", str(out)])
    assert result.exit_code == 1 and "report.html" in result.stderr
    assert [p.name for p in out.iterdir()] == ["report.html"]


# ---------------------------------------------------------------- the smaller ones


def test_odd_file_names_stay_one_row_and_valid_json(runner, tmp_path, tiny_model, monkeypatch):
    monkeypatch.chdir(tmp_path)  # short names: the table's file column never has to fold them
    odd = "two\nlines.png"
    draw_letter("C").save(odd)
    undecodable = os.fsdecode(b"caf\xe9.png")
    draw_letter("A").save(undecodable)
    table = runner.invoke(app, ["classify", str(odd), undecodable, "--model", str(tiny_model)])
    assert table.exit_code == 0 and "two\\nlines.png" in table.stdout and "caf\\xe9.png" in table.stdout
    out = runner.invoke(app, ["classify", str(odd), undecodable, "--model", str(tiny_model), "--json"])
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["path"] for r in records] == ["two\nlines.png", "caf\\xe9.png"]
    assert out.stdout.encode("utf-8")  # every character encodes: no lone surrogate reached the output


@pytest.mark.parametrize("option", [["--lr", "1e10"], ["--weight-decay", "1e30"]])
def test_a_run_its_settings_broke_saves_nothing_and_exits_1(option, runner, tmp_path, tiny_dataset):
    result = runner.invoke(app, ["train", "--data", str(tiny_dataset), "--out", str(tmp_path / "m.pt"), "--hidden", "8",
                                 "--epochs", "3", "--device", "cpu", *option])
    assert result.exit_code == 1 and "nothing was saved" in result.stderr and option[0] in result.stderr, result.output
    assert list(tmp_path.iterdir()) == []
