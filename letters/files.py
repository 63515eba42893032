"""Writing files and folders atomically: a temporary beside the target, then a rename.

Checkpoints, pictures and the report all go through `atomic_file`, so an interrupted
write never leaves a half-written file where a complete one is expected. It refuses a
target that is a symbolic link (never written through: its target may be anyone's file) or
that exists and is not a regular file (a device, a FIFO, a folder), keeps a replaced file's
mode, and removes the temporary files of writers that were killed (their process is gone,
or, for the names older versions wrote without a process id, the file has not been touched
for an hour). `check_output_file` and `check_output_folder` say all that before any work starts.
A folder (a dataset, a demo) is made in a staging folder beside its target and swapped in whole.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import time
from pathlib import Path
from typing import Callable

from .errors import LettersError, Wording, worded


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (ours counts); unknown ids count as alive."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but is not ours (EPERM)
        return True
    return True


def check_regular_target(path: Path, what: Wording = "") -> Path:
    """`path`; LettersError if it is a symbolic link, or exists and is not a regular file.
    `what` names the target before its path (a Wording: it may name a setting)."""
    path = Path(path)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return path
    except OSError as error:
        why = error.strerror or error
        raise LettersError(lambda name: f"{worded(what, name)}{path} cannot be checked ({why})") from None
    if stat.S_ISLNK(mode):
        raise LettersError(lambda name: f"{worded(what, name)}{path} is a symbolic link; letters never writes through "
                                        "one (it would replace the file it points to): remove the link or choose another path")
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a device, FIFO or socket"
        raise LettersError(lambda name: f"{worded(what, name)}{path} exists and is {kind}, not a regular file; refusing to replace it")
    return path


def _writable_folder(folder: Path, what: Wording) -> None:
    """LettersError unless a file can be created in `folder` (or, when it does not exist yet, in the nearest
    folder above it): tried for real, with a temporary file that is removed at once."""
    probe = Path(folder)
    while not os.path.lexists(probe):
        probe = probe.parent
    if not probe.is_dir():
        raise LettersError(lambda name: f"{worded(what, name)}{folder} cannot be made: {probe} is a file, not a folder")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".letters-check.{os.getpid()}.", suffix=".tmp", dir=probe)
    except OSError as error:
        why = (error.strerror or str(error)).lower()
        raise LettersError(lambda name: f"{worded(what, name)}{folder} cannot be written ({why}); choose another place") from None
    os.close(fd)
    os.unlink(tmp)


def check_output_file(path: str | Path, what: Wording = "") -> Path:
    """Everything that would stop a later atomic_file(path), checked now, before the work: a link or a
    special file at `path`, or a folder that cannot be written. `what` names it in the message."""
    path = check_regular_target(Path(path), what)
    _writable_folder(path.parent, what)
    return path


def check_output_folder(folder: str | Path, names=(), what: Wording = "") -> Path:
    """A folder that files named `names` will be written into: not a file, writable, and none of those
    names a link or a special file. A folder the user named may itself be a link to a folder."""
    folder = Path(folder)
    if os.path.lexists(folder) and not folder.is_dir():
        raise LettersError(lambda name: f"{worded(what, name)}{folder} is a file; give a folder")
    _writable_folder(folder, what)
    for item in names:
        check_regular_target(folder / item, what)
    return folder


def _new_file_mode() -> int:
    """The mode a new file gets here: 0o666 less the process's umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


STALE_AFTER = 3600.0  # seconds untouched before a temporary with no process id in its name is removed:
# every writer of letters wrote its temporary whole and renamed it within seconds, and a file still being
# written has a fresh modification time, so one an hour old is a killed writer's
MKSTEMP_RANDOM = re.compile(r"[a-z0-9_]{8}")  # the random part of the names tempfile.mkstemp makes


def remove_if_stale(path: Path, now: float | None = None) -> bool:
    """Remove `path` if it is a regular file (not a link, not a folder) untouched for STALE_AFTER seconds."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or (time.time() if now is None else now) - info.st_mtime <= STALE_AFTER:
            return False
        os.unlink(path)
    except OSError:
        return False
    return True


def clean_stale_temporaries(path: Path) -> None:
    """Remove the temporaries of killed writers beside `path`: `.<name>.<pid>.<random>.tmp` whose process is
    gone, and, once stale, the names older versions wrote with no process id in them (`.<name>.<random>.tmp`;
    the first report writer's `.report.html.<random>`). Nothing else is touched."""
    path = Path(path)
    prefix = f".{path.name}."
    try:
        strays = [p for p in path.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return
    for stray in strays:
        parts = stray.name[len(prefix):].split(".")
        if len(parts) == 3 and parts[2] == "tmp" and parts[0].isdigit():  # this version's: the writer's pid
            if not process_alive(int(parts[0])):
                with contextlib.suppress(OSError):
                    stray.unlink()
        elif (parts[1:] == ["tmp"] or (len(parts) == 1 and path.name == "report.html")) \
                and MKSTEMP_RANDOM.fullmatch(parts[0]):
            remove_if_stale(stray)


@contextlib.contextmanager
def atomic_file(path: str | Path, mode: str = "wb", encoding: str | None = None):
    """Yield a file object; on success it replaces `path` whole, on any failure it vanishes."""
    path = check_regular_target(Path(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_temporaries(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise LettersError(f"{path} cannot be written ({(error.strerror or str(error)).lower()})") from None
    try:
        with os.fdopen(fd, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        try:
            old = os.lstat(path)
            keep = stat.S_IMODE(old.st_mode) if stat.S_ISREG(old.st_mode) else _new_file_mode()
        except FileNotFoundError:
            keep = _new_file_mode()  # mkstemp makes it private; a new file gets what any new file would
        os.chmod(tmp, keep)
        check_regular_target(path)  # again: something may have appeared there while we wrote
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise LettersError(f"{path} cannot be written ({(error.strerror or str(error)).lower()})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- folders: staged, then swapped whole


def replace_folder(staging: Path, out: Path, check: Callable[[], None]) -> None:
    """Move a finished staging folder to `out`; an old `out` is only removed once the new one is whole.
    `check()` refuses an `out` that may not be replaced; it runs again here, at the swap, because
    another run may have written `out` meanwhile."""
    if out.exists() and not (out.is_dir() and not any(out.iterdir())):
        check()
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        try:
            os.replace(staging, out)
        except BaseException:
            os.replace(old, out)  # put the old folder back
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        try:
            os.replace(staging, out)  # onto nothing or an empty folder; a folder filled meanwhile fails
        except OSError as error:
            raise LettersError(f"{out} was filled by someone else while this run worked "
                               f"({error.strerror or error}); nothing was replaced") from None


def _pid_of(name: str) -> int | None:
    tail = name.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else None


def staging_folder(out: Path) -> Path:
    """A fresh hidden folder beside `out` (same filesystem, so the final rename is atomic).
    Leftovers of killed runs are removed first, and only theirs: a folder whose process is
    alive belongs to a run still writing. A killed swap's `.old-PID` is put back if `out` is gone."""
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    for stale in parent.glob(f".{out.name}.tmp-*"):
        pid = _pid_of(stale.name)
        if pid is not None and not process_alive(pid):
            shutil.rmtree(stale, ignore_errors=True)
    for old in parent.glob(f".{out.name}.old-*"):
        pid = _pid_of(old.name)
        if pid is not None and not process_alive(pid):
            if not out.exists():
                os.replace(old, out)
            else:
                shutil.rmtree(old, ignore_errors=True)
    staging = parent / f".{out.name}.tmp-{os.getpid()}"
    if staging.exists():  # ours, from an earlier call in this process
        shutil.rmtree(staging)
    staging.mkdir()
    return staging



@contextlib.contextmanager
def new_folder(out: str | Path):
    """Yield a staging folder to fill; on success it becomes `out` whole, on any failure it vanishes.
    `out` must be new or an empty folder that is not a link: a tool never replaces a folder of files,
    whoever made them (remove an old set yourself to rebuild it)."""
    out = Path(out)
    if out.is_symlink():
        raise LettersError(f"{out} is a symbolic link; give a new folder (nothing was written)")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise LettersError(f"{out} exists and is not an empty folder; give a new one (nothing was written)")
    try:
        staging = staging_folder(out)
    except OSError as error:
        raise LettersError(f"{out} cannot be written ({(error.strerror or str(error)).lower()})") from None
    try:
        yield staging
        replace_folder(staging, out, lambda: _filled(out))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _filled(out: Path) -> None:
    raise LettersError(f"{out} was filled by someone else while this run worked; nothing was replaced")
