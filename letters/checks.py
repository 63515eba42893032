"""How settings are checked and changed: memory estimates against what is free, hidden sizes, FIELD=VALUE text.

Torch-free, like config, so the command line's --help stays fast.
"""

from __future__ import annotations

import os

from .errors import OptionError, Wording, worded


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux: MemAvailable), else physical memory."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(option: str, value, needed: int, fix: Wording) -> None:
    """Refuse work whose memory estimate exceeds what is available, naming both figures."""
    have = available_memory()
    if have is not None and needed > have:
        raise OptionError(option, lambda name: f"{value} needs about {needed / 1e9:.1f} GB of memory and "
                                               f"{have / 1e9:.1f} GB is available; {worded(fix, name)}")


def check_hidden(sizes: tuple[int, ...]) -> None:
    """The one check of hidden layer sizes, for a new network and one read from a checkpoint."""
    if not 1 <= len(sizes) <= 2 or min(sizes) < 1:
        raise OptionError("hidden", f"{','.join(map(str, sizes))}: give one or two positive sizes, e.g. 64,32")


def with_changes(config, text: str):
    """`config` with the fields that `text` names changed: "lr=1e-3,augment=0" (typed as the fields'
    defaults; a tuple of ints is written 256x128, None as none). "base" or "" changes nothing.
    OptionError for an unknown field or a value of the wrong type; the result is not validated."""
    from dataclasses import fields, replace

    known = {f.name: f for f in fields(config)}
    changes: dict = {}
    for item in [] if text in ("", "base") else text.split(","):
        key, sep, value = item.partition("=")
        if not sep or key not in known:
            raise OptionError("changes", f"{text!r}: write base or FIELD=VALUE[,FIELD=VALUE] of {type(config).__name__}")
        default = getattr(config, key)
        try:
            if value == "none":
                changes[key] = None
            elif isinstance(default, tuple):
                changes[key] = tuple(type(default[0])(v) for v in value.split("x"))
            elif isinstance(default, bool):
                changes[key] = value.lower() in ("1", "true", "yes")
            elif default is None:
                changes[key] = float(value)
            else:
                changes[key] = type(default)(value)
        except (ValueError, IndexError):
            raise OptionError("changes", f"{text!r}: {key} takes a value like {default!r}") from None
    return replace(config, **changes)
