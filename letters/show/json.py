"""The one --json path: result dataclasses as strict JSON, and file names as text any reader takes.

Every `--json` is a result dataclass's asdict (top-level None fields left out), with NaN and infinity
written as null and a file name's undecodable bytes as \\xNN, so `json.loads` in any strict parser
reads it. `printable` is a file name on one line for the terminal.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, is_dataclass
from typing import Any

_CONTROL = {c: f"\\x{c:02x}" for c in [*range(32), 127]} | {10: "\\n", 13: "\\r", 9: "\\t"}


def json_text(text: str) -> str:
    """A string any strict JSON parser takes: a file name's undecodable bytes (lone surrogates from
    the file system) written as \\xNN, the rest as is."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return text.encode("utf-8", "backslashreplace").decode("utf-8")


def printable(path: str) -> str:
    """A file name as one line of text: control characters (a newline in a name) escaped, undecodable
    bytes as \\xNN."""
    return json_text(str(path)).translate(_CONTROL)


def as_json(result: Any) -> Any:
    """A result dataclass (or a list of them) as plain types: its asdict, top-level None fields left out
    (so a failed file's record is just `{"path", "error"}`)."""
    if isinstance(result, list):
        return [as_json(r) for r in result]
    if is_dataclass(result) and not isinstance(result, type):
        return {k: v for k, v in asdict(result).items() if v is not None}
    return result


def finite(obj: Any) -> Any:
    """NaN and infinities as None (JSON null), strings made strict-JSON safe, recursively."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, str):
        return json_text(obj)
    if isinstance(obj, dict):
        return {json_text(str(k)): finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    return obj


def dumps(obj: Any, indent: int | None = 2) -> str:
    """Strict JSON of a result (see `finite`)."""
    return json.dumps(finite(obj), indent=indent, sort_keys=False, allow_nan=False)
