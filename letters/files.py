"""Writing one file atomically: a temporary file beside the target, then a rename.

Checkpoints, pictures and the report all go through `atomic_file`, so an interrupted
write never leaves a half-written file where a complete one is expected. It refuses a
target that exists and is not a regular file (a device, a FIFO, a folder), and removes
the temporary files of writers that were killed (their process is gone).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from .errors import LettersError


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


def check_regular_target(path: Path, what: str = "") -> Path:
    """`path` itself, or the file a symlink points to; LettersError if it exists and is not a regular file."""
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return path
    except OSError as error:
        raise LettersError(f"{what}{path} cannot be checked ({error.strerror or error})") from None
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a device, FIFO or socket"
        raise LettersError(f"{what}{path} exists and is {kind}, not a regular file; refusing to replace it")
    return path


def clean_stale_temporaries(path: Path) -> None:
    """Remove `.<name>.<pid>.*.tmp` beside `path` whose writer process is gone."""
    path = Path(path)
    for stray in path.parent.glob(f".{path.name}.*.tmp"):
        pid = stray.name[len(path.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            with contextlib.suppress(OSError):
                stray.unlink()


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
