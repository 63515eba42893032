"""The `letters` command line: parse, call the library, show. One module of commands per kind of work.

`base` holds the app and what every command shares; importing the command modules registers them.
Only `app` and `show` import typer and rich; torch is imported inside the commands, so `--help` is fast.
"""

from __future__ import annotations

from . import data_commands, methods_command, read_commands, serve_commands, study_commands  # noqa: F401 - registers the commands
from .base import app

COMMANDS = (data_commands, read_commands, study_commands, methods_command, serve_commands)  # in the order --help lists them


def main() -> None:
    app()


if __name__ == "__main__":
    main()
