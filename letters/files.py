"""Writing one file atomically: a temporary file beside the target, then a rename.

Checkpoints, pictures and the report all go through `atomic_file`, so an interrupted
write never leaves a half-written file where a complete one is expected. It refuses a
target that exists and is not a regular file (a device, a FIFO, a folder), and removes
the temporary files of writers that were killed (their process is gone, or, for the names
older versions wrote without a process id, the file has not been touched for an hour).
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from pathlib import Path

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
    """`path` itself, or the file a symlink points to; LettersError if it exists and is not a regular file.
    `what` names the target before its path (a Wording: it may name a setting)."""
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return path
    except OSError as error:
        why = error.strerror or error
        raise LettersError(lambda name: f"{worded(what, name)}{path} cannot be checked ({why})") from None
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a device, FIFO or socket"
        raise LettersError(lambda name: f"{worded(what, name)}{path} exists and is {kind}, not a regular file; refusing to replace it")
    return path


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
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; these files are meant to be shared
        check_regular_target(path)  # again: something may have appeared there while we wrote
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
