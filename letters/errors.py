"""The exceptions that the CLI turns into a one-line message.

Library code raises LettersError for anything a user can fix (a bad file, a bad
option, a missing device); its text names the problem and the fix. A bad setting
raises OptionError, which names the setting by its field name (`val_fraction`).
A message that mentions a setting is given as a function of how to name one, so the
library's text says `force` and the CLI's says `--force`: library messages name no flags.
"""

from __future__ import annotations

from typing import Callable

Naming = Callable[[str], str]  # a setting's field name -> how this reader calls it
Wording = str | Callable[[Naming], str]  # a fixed line, or a line that names settings through its argument


def setting_name(name: str) -> str:
    """How the library names a setting: its config field name (`val_fraction`)."""
    return name


def flag_name(name: str) -> str:
    """How the command line names a setting: its flag (`--val-fraction`)."""
    return "--" + name.replace("_", "-")


def worded(wording: Wording, naming: Naming = setting_name) -> str:
    return wording(naming) if callable(wording) else wording


def _rebuilt(cls: type[LettersError], args: tuple) -> LettersError:
    error = Exception.__new__(cls)
    error.args = args
    return error


class LettersError(Exception):
    """A problem with the user's input, reported as one line without a traceback.
    `str(error)` names settings as the library does; `cli_line` as the command line does."""

    exit_code = 1  # the command's exit status; a Ctrl-C that stopped the work says 130

    def __init__(self, message: Wording):
        super().__init__(worded(message))
        self.cli_line = worded(message, flag_name)

    def __reduce__(self):  # picklable (a worker process may raise it) with both wordings kept
        return _rebuilt, (type(self), self.args), self.__dict__


class OptionError(LettersError):
    """A bad value for one setting: `option` is its config field name; the line names it first."""

    def __init__(self, option: str, problem: Wording):
        super().__init__(lambda name: f"{name(option)} {worded(problem, name)}")
        self.option = option


def run_script(main, argv=None) -> int:
    """A research or build tool's `main(argv)` under the house rules: a LettersError, an OSError or Ctrl-C
    is one line on stderr and a non-zero exit (130 for Ctrl-C), never a traceback."""
    import os
    import sys

    name = os.path.basename(sys.argv[0]) or "letters"
    try:
        return main(argv) or 0
    except LettersError as error:
        print(f"{name}: {error.cli_line}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"{name}: interrupted; nothing half-written was left", file=sys.stderr)
        return 130
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        print(f"{name}: {(error.strerror or str(error)).lower()}{where}", file=sys.stderr)
    return 1
