"""Races and signals with real processes (issue 9): generate's workers die with their parent,
Ctrl-C prints one line, concurrent runs never wipe each other's staging folders, the final swap
re-checks --force, and two demos in one folder pick different folders."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find worker processes")


def _start(args, cwd, **kw):
    return subprocess.Popen([sys.executable, "-m", "letters", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(condition, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_generate_workers_die_with_their_parent(sig, tmp_path):
    process = _start(["generate", "--out", "g", "--count", "400000", "--workers", "2"], tmp_path)
    try:
        assert _wait_for(lambda: len(_children(process.pid)) >= 2), "workers never started"
        workers = _children(process.pid)
        process.send_signal(sig)
        process.wait(timeout=30)
        assert _wait_for(lambda: not any(_alive(w) for w in workers), 20), "workers outlived their parent"
    finally:
        process.kill()
        process.wait()
        for w in _children(process.pid):
            os.kill(w, signal.SIGKILL)
    assert not (tmp_path / "g").exists()


def test_ctrl_c_on_generate_with_workers_prints_one_line(tmp_path):
    process = _start(["generate", "--out", "g", "--count", "400000", "--workers", "2"], tmp_path,
                     start_new_session=True)
    try:
        assert _wait_for(lambda: len(_children(process.pid)) >= 2), "workers never started"
        workers = _children(process.pid)
        time.sleep(0.5)
        os.killpg(process.pid, signal.SIGINT)  # what a terminal sends to the whole foreground group
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130
    assert err.strip().splitlines() == ["letters: stopped by Ctrl-C; nothing half-written was left"], err
    assert _wait_for(lambda: not any(_alive(w) for w in workers), 20)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def _staging(tmp_path, pid):
    return tmp_path / f".g.tmp-{pid}"


def _first_run_staging(tmp_path, args):
    """Start a generate that writes 3,000 PNGs into its staging folder; return it once that folder exists."""
    first = _start(["generate", "--out", "g", "--count", "3000", "--png", *args], tmp_path)
    assert _wait_for(lambda: _staging(tmp_path, first.pid).exists() or first.poll() is not None)
    assert first.poll() is None, "finished before the race could be run"
    return first


def test_a_second_run_does_not_wipe_the_first_ones_staging_folder(tmp_path):
    from letters.files import staging_folder

    first = _first_run_staging(tmp_path, ["--force"])
    try:
        mine = staging_folder(tmp_path / "g")  # what a second run does when it starts
        assert _staging(tmp_path, first.pid).exists()
        assert first.poll() is None, "finished before the race could be checked"
        mine.rmdir()
        _, err = first.communicate(timeout=120)
    finally:
        first.kill()
    assert first.returncode == 0, err
    assert len(list((tmp_path / "g" / "png").rglob("*.png"))) == 3000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g"]


def test_the_final_swap_checks_again_that_out_may_be_replaced(tmp_path, tiny_dataset):
    import shutil

    first = _first_run_staging(tmp_path, [])
    try:
        shutil.copytree(tiny_dataset, tmp_path / "g")  # another run finished first
        assert first.poll() is None, "finished before the race could be run"
        _, err = first.communicate(timeout=120)
    finally:
        first.kill()
    assert first.returncode == 1 and len(err.strip().splitlines()) == 1 and "--force" in err, err
    assert json.loads((tmp_path / "g" / "meta.json").read_text())["count"] == 600  # the other run's, untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g"]


def test_a_stale_staging_folder_of_a_dead_run_is_removed_and_a_live_one_kept(tmp_path):
    from letters.files import staging_folder

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (tmp_path / f".g.tmp-{gone.pid}").mkdir()
    (tmp_path / ".g.tmp-1").mkdir()  # pid 1 is always alive
    staging_folder(tmp_path / "g").rmdir()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".g.tmp-1"]


def test_two_demos_in_one_folder_pick_different_folders(tmp_path, monkeypatch):
    from letters.app.demo import choose_folder

    monkeypatch.chdir(tmp_path)
    (tmp_path / "letters-demo-1").mkdir()
    picked = [choose_folder(None) for _ in range(2)]  # as two demos starting together would
    assert [str(p) for p in picked] == ["letters-demo-2", "letters-demo-3"]
    assert all(p.is_dir() for p in picked)  # reserved at once: a third demo cannot pick them
