"""Temporaries of killed writers are cleaned, including the pid-less names older versions wrote, once
stale; nothing that is not ours, and nothing that may still be being written, is ever removed."""

import os
import subprocess
import sys
import time

from letters.app.drawpad import file_drawing
from letters.files import STALE_AFTER, atomic_file


def _make(path, age: float = 0.0, content: bytes = b"old") -> None:
    path.write_bytes(content)
    when = time.time() - age
    os.utime(path, (when, when))


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_atomic_file_removes_old_pidless_temporaries_only_when_stale_and_ours(tmp_path):
    old = 2 * STALE_AFTER
    removed = [".m.pt.k3j_x9a2.tmp", ".m.pt.12345678.tmp", f".m.pt.{_dead_pid()}.ab_cd123.tmp"]
    kept = [".m.pt.abcdefgh.tmp",  # pid-less but touched recently: may be an old writer still at work
            f".m.pt.{os.getpid()}.zz99zz99.tmp",  # a live writer's
            ".m.pt.backup.tmp", ".m.pt.ABCDEFGH.tmp", ".m.pt.abcdefghi.tmp",  # not mkstemp's names
            ".m.pt.abcdefgh", "m.pt.abcdefgh.tmp", ".m.pt.x.abcdefgh.tmp", ".other.pt.abcdefgh.tmp", "notes.txt"]
    for name in removed:
        _make(tmp_path / name, age=old)
    for name in kept:
        _make(tmp_path / name, age=old if name != ".m.pt.abcdefgh.tmp" else STALE_AFTER / 2)
    (tmp_path / ".m.pt.qwertyui.tmp").mkdir()  # a folder with our name pattern: not a file we wrote
    os.utime(tmp_path / ".m.pt.qwertyui.tmp", (time.time() - old,) * 2)
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    link = tmp_path / ".m.pt.lnk12345.tmp"
    link.symlink_to(precious)
    os.utime(link, (time.time() - old,) * 2, follow_symlinks=False)

    with atomic_file(tmp_path / "m.pt") as f:
        f.write(b"new")

    assert (tmp_path / "m.pt").read_bytes() == b"new"
    assert not [n for n in removed if (tmp_path / n).exists()]
    assert all((tmp_path / n).read_bytes() == b"old" for n in kept)
    assert (tmp_path / ".m.pt.qwertyui.tmp").is_dir() and link.is_symlink() and precious.read_text() == "keep me"


def test_the_first_report_writers_temporaries_are_cleaned_once_stale(tmp_path):
    _make(tmp_path / ".report.html.ab12cd34", age=2 * STALE_AFTER)
    _make(tmp_path / ".report.html.ef56gh78", age=60)
    _make(tmp_path / ".notes.html.ab12cd34", age=2 * STALE_AFTER)  # that writer only ever wrote report.html
    with atomic_file(tmp_path / "report.html", "w") as f:
        f.write("<html></html>")
    assert not (tmp_path / ".report.html.ab12cd34").exists()
    assert (tmp_path / ".report.html.ef56gh78").exists() and (tmp_path / ".notes.html.ab12cd34").exists()


def test_collecting_a_drawing_cleans_a_killed_servers_stale_temporaries(tmp_path):
    folder = tmp_path / "A"
    folder.mkdir()
    _make(folder / ".drawing-a1b2c3d4.tmp", age=2 * STALE_AFTER)
    _make(folder / ".drawing-e5f6g7h8.tmp", age=1)  # another request writing right now
    _make(folder / ".drawing-mine.tmp", age=2 * STALE_AFTER)
    saved = file_drawing(tmp_path, "A", b"\x89PNG")
    assert saved.read_bytes() == b"\x89PNG"
    assert not (folder / ".drawing-a1b2c3d4.tmp").exists()
    assert (folder / ".drawing-e5f6g7h8.tmp").exists() and (folder / ".drawing-mine.tmp").exists()
