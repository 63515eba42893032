"""What every command shares: the typer app, the error funnel, progress bars, --json and defaults.

Every user-fixable problem ends as one line on stderr and a non-zero exit code; no traceback
reaches the user (LETTERS_DEBUG=1 prints one for an internal error). torch is imported inside the
commands only, so `letters --help` stays fast. Defaults come from the dataclasses in letters.config.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import typer
from typer.core import TyperGroup

from ..config import SHIPPED, AnalysisConfig, ClassifyConfig, DatasetConfig, DecayConfig, DemoConfig, DrawConfig, EvaluateConfig, MorphConfig, Paths
from ..errors import LettersError

DATASET, TRAIN, CLASSIFY, EVALUATE, ANALYSIS, DEMO = (DatasetConfig(), SHIPPED.train, ClassifyConfig(), EvaluateConfig(),
                                                      AnalysisConfig(), DemoConfig())
MORPH, DECAY = MorphConfig(), DecayConfig()
PATHS = Paths()
DRAW = DrawConfig()

EXIT_ERROR = 1
EXIT_USAGE = 2


# typer vendors click (typer._click, private) or uses the click package; either way its public
# BadParameter descends from click's UsageError and ClickException, so take them from there.
_CLICK_ERRORS = {cls.__name__: cls for cls in typer.BadParameter.__mro__}
UsageError: type[Exception] = _CLICK_ERRORS["UsageError"]
ClickException: type[Exception] = _CLICK_ERRORS["ClickException"]


def debug() -> bool:
    """LETTERS_DEBUG=1: an internal error also prints its traceback."""
    return os.environ.get("LETTERS_DEBUG", "") not in ("", "0")


def one_line(text: str) -> str:
    return " ".join(str(text).split())


class _Interrupted(Exception):
    """Ctrl-C inside a command; typer would turn KeyboardInterrupt into a silent exit 130."""


ORDER = ("generate", "train", "classify", "evaluate", "analyze", "morph", "decay", "methods", "demo", "draw")


class LettersGroup(TyperGroup):
    """Turns every failure into one line on stderr with a non-zero exit code; lists commands in ORDER."""

    def list_commands(self, ctx):
        names = list(super().list_commands(ctx))
        return sorted(names, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER))

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Interrupted() from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        command = " ".join(a for a in (args if args is not None else sys.argv[1:])[:1] if not a.startswith("-"))
        hint = f"letters {command} --help" if command in self.commands else "letters --help"
        try:
            code = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                                standalone_mode=False, **extra)
        except UsageError as error:
            ctx = getattr(error, "ctx", None)
            if type(error).__name__ == "NoArgsIsHelpError":  # `letters` alone: the help, as --help gives it
                typer.echo(ctx.get_help() if ctx else "", err=True)
            else:
                typer.echo(f"letters: error: {one_line(error.format_message())} (see: {hint})", err=True)  # type: ignore[attr-defined]
            code = EXIT_USAGE
        except ClickException as error:
            typer.echo(f"letters: error: {one_line(error.format_message())}", err=True)  # type: ignore[attr-defined]
            code = getattr(error, "exit_code", 0) or EXIT_ERROR
        except typer.Abort:
            typer.echo("letters: stopped", err=True)
            code = 130
        except LettersError as error:  # settings named by their flags here, by their fields in the library
            word = "stopped" if error.exit_code == 130 else "error"
            typer.echo(f"letters: {word}: {one_line(error.cli_line)}", err=True)
            code = error.exit_code
        except (KeyboardInterrupt, _Interrupted):
            typer.echo("letters: stopped by Ctrl-C; nothing half-written was left", err=True)
            code = 130
        except OSError as error:
            typer.echo(f"letters: error: {one_line(error.strerror or error)}"
                       f"{': ' + str(error.filename) if getattr(error, 'filename', None) else ''}", err=True)
            code = EXIT_ERROR
        except Exception as error:  # noqa: BLE001 - the promise is: no traceback unless LETTERS_DEBUG asks for one
            if debug():
                traceback.print_exc(file=sys.stderr)
            typer.echo(f"letters: internal error: {type(error).__name__}: {one_line(error)} "
                       "(please report it with the command you ran)", err=True)
            code = EXIT_ERROR
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(cls=LettersGroup, add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  pretty_exceptions_enable=False,
                  help="letters: see a neural network's weights and biases tell A, B and C apart.")


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)  # paths stay whole, tables still fit


class _LazyProgress:
    """A rich progress bar on stderr (so --json output on stdout stays clean) that only
    appears once work starts, so an early one-line error is not preceded by a blank line."""

    def __init__(self, progress):
        self.progress, self.started = progress, False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.started:
            self.progress.stop()
        return False

    def _start(self):
        if not self.started:
            self.started = True
            self.progress.start()

    def advance(self, task, n):
        self._start()
        self.progress.advance(task, n)

    def update(self, task, **kw):
        self._start()
        self.progress.update(task, **kw)


def progress(description: str, total: int, quiet: bool = False):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console(stderr=True), transient=True, disable=quiet)
    task = progress.add_task(description, total=total)
    return _LazyProgress(progress), task


def print_json(obj, indent: int | None = 2) -> None:
    """Strict JSON on stdout (show.json: NaN as null, every string a strict parser takes)."""
    from ..show.json import dumps

    typer.echo(dumps(obj, indent))


def report_failed(failed) -> None:
    """One line on stderr per input file that could not be used; the command then exits 1, after its work."""
    for item in failed:
        path, error = (item["path"], item["error"]) if isinstance(item, dict) else (item.path, item.error)
        from ..show.json import printable

        typer.echo(f"letters: error: {printable(path)}: {error}", err=True)


def parse_hidden(text: str) -> tuple[int, ...]:
    """The text of --hidden as sizes; whether they make a network is TrainConfig's to say."""
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise LettersError(f"--hidden {text!r} is not a list of sizes; use e.g. 64 or 64,32") from None


def numbers(text: str, kind, option: str) -> tuple:
    """`--sizes 450,3000`: a comma-separated list of numbers, or one line naming the option."""
    try:
        values = tuple(kind(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise LettersError(f"{option} {text!r} is not a comma-separated list of numbers") from None
    if not values:
        raise LettersError(f"{option} {text!r}: give at least one value")
    return values


DEFAULT_DATA = Path(PATHS.data)
DEFAULT_MODEL_OUT = Path(PATHS.model)
MODEL_HELP = "Checkpoint file; default: the shipped model."
