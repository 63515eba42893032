"""The `letters` command line: parse, call the library, print.

Only this module imports typer and rich. torch is imported inside the commands, so
`letters --help` stays fast. Every user-fixable problem ends as one line on stderr
and a non-zero exit code; no traceback reaches the user.
"""

from __future__ import annotations

import json
import math
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperGroup

from .config import QUICK_DECAY, AnalysisConfig, ClassifyConfig, DatasetConfig, DecayConfig, DemoConfig, DrawConfig, EvaluateConfig, MorphConfig, Paths, TrainConfig
from .errors import LettersError

DATASET, TRAIN, CLASSIFY, EVALUATE, ANALYSIS, DEMO = (DatasetConfig(), TrainConfig(), ClassifyConfig(), EvaluateConfig(),
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


def _debug() -> bool:
    """LETTERS_DEBUG=1: an internal error also prints its traceback."""
    return os.environ.get("LETTERS_DEBUG", "") not in ("", "0")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class _Interrupted(Exception):
    """Ctrl-C inside a command; typer would turn KeyboardInterrupt into a silent exit 130."""


class LettersGroup(TyperGroup):
    """Turns every failure into one line on stderr with a non-zero exit code."""

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
                typer.echo(f"letters: error: {_one_line(error.format_message())} (see: {hint})", err=True)  # type: ignore[attr-defined]
            code = EXIT_USAGE
        except ClickException as error:
            typer.echo(f"letters: error: {_one_line(error.format_message())}", err=True)  # type: ignore[attr-defined]
            code = getattr(error, "exit_code", 0) or EXIT_ERROR
        except typer.Abort:
            typer.echo("letters: stopped", err=True)
            code = 130
        except LettersError as error:  # settings named by their flags here, by their fields in the library
            word = "stopped" if error.exit_code == 130 else "error"
            typer.echo(f"letters: {word}: {_one_line(error.cli_line)}", err=True)
            code = error.exit_code
        except (KeyboardInterrupt, _Interrupted):
            typer.echo("letters: stopped by Ctrl-C; nothing half-written was left", err=True)
            code = 130
        except OSError as error:
            typer.echo(f"letters: error: {_one_line(error.strerror or error)}"
                       f"{': ' + str(error.filename) if getattr(error, 'filename', None) else ''}", err=True)
            code = EXIT_ERROR
        except Exception as error:  # noqa: BLE001 - the promise is: no traceback unless LETTERS_DEBUG asks for one
            if _debug():
                traceback.print_exc(file=sys.stderr)
            typer.echo(f"letters: internal error: {type(error).__name__}: {_one_line(error)} "
                       "(please report it with the command you ran)", err=True)
            code = EXIT_ERROR
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(cls=LettersGroup, add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  pretty_exceptions_enable=False,
                  help="letters: see a neural network's weights and biases tell A, B and C apart.")


def _console(stderr: bool = False):
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


def _progress(description: str, total: int, quiet: bool = False):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=_console(stderr=True), transient=True, disable=quiet)
    task = progress.add_task(description, total=total)
    return _LazyProgress(progress), task


def _finite(obj):
    """NaN and infinities as None (JSON null): json.dumps would write NaN, which is not JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, str):
        from .present import json_text

        return json_text(obj)
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _print_json(obj, indent: int | None = 2) -> None:
    typer.echo(json.dumps(_finite(obj), indent=indent, sort_keys=False, allow_nan=False))


def _report_failed(failed) -> None:
    """One line on stderr per input file that could not be used; the command then exits 1, after its work."""
    for item in failed:
        path, error = (item["path"], item["error"]) if isinstance(item, dict) else (item.path, item.error)
        from .present import printable

        typer.echo(f"letters: error: {printable(path)}: {error}", err=True)


def _parse_hidden(text: str) -> tuple[int, ...]:
    """The text of --hidden as sizes; whether they make a network is TrainConfig's to say."""
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise LettersError(f"--hidden {text!r} is not a list of sizes; use e.g. 64 or 64,32") from None


DEFAULT_DATA = Path(PATHS.data)
DEFAULT_MODEL_OUT = Path(PATHS.model)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Dataset folder to write (atomically).")] = DEFAULT_DATA,
    count: Annotated[int, typer.Option(help="Number of glyphs, balanced over A, B, C.")] = DATASET.count,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives byte-identical files.")] = DATASET.seed,
    val_fraction: Annotated[float, typer.Option(help="Fraction held out for validation, in (0, 1).")] = DATASET.val_fraction,
    workers: Annotated[int, typer.Option(help="Processes to draw with; the output does not depend on it.")] = DATASET.workers,
    png: Annotated[bool, typer.Option("--png", help="Also write every glyph as a PNG in ImageFolder layout.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace a non-empty --out.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the dataset's meta.json instead of a summary.")] = False,
):
    """Draw A, B and C from named strokes into a dataset, recording which stroke made every pixel."""
    config = DatasetConfig(count=count, seed=seed, val_fraction=val_fraction, workers=workers, png=png)
    config.validate()
    from .dataset import write_dataset

    progress, task = _progress("drawing glyphs", count, quiet=json_output)
    with progress:
        meta = write_dataset(out, config, force=force, progress=lambda n: progress.advance(task, n))
    if json_output:
        _print_json(meta)
        return
    console = _console()
    console.print(f"wrote {meta['count']} glyphs to {out} (train {meta['splits']['train']}, "
                  f"val {meta['splits']['val']}, seed {seed})")
    console.print(f"look at the samples, each stroke coloured by its role: {out / 'sheet.png'}")


@app.command()
def train(
    data: Annotated[Path, typer.Option(help="Dataset folder from `letters generate`, or an ImageFolder of A/, B/, C/ images.")] = DEFAULT_DATA,
    out: Annotated[Path, typer.Option(help="Checkpoint file to write (atomically); curves go beside it.")] = DEFAULT_MODEL_OUT,
    hidden: Annotated[str, typer.Option(help="Hidden layer sizes: 64 for one layer, 64,32 for two.")] = ",".join(map(str, TRAIN.hidden)),
    weight_decay: Annotated[float, typer.Option(help="L2 strength: loss = cross_entropy + wd * sum of squared weights.")] = TRAIN.weight_decay,
    epochs: Annotated[int, typer.Option(help="Passes over the training split.")] = TRAIN.epochs,
    batch_size: Annotated[int, typer.Option(help="Samples per optimisation step.")] = TRAIN.batch_size,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = TRAIN.lr,
    schedule: Annotated[str, typer.Option(help="Learning rate over the run: cosine (decays to 0) or constant.")] = TRAIN.schedule,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:N or mps.")] = TRAIN.device,
    seed: Annotated[int, typer.Option(help="Seed for initial weights and batch order.")] = TRAIN.seed,
    augment: Annotated[float, typer.Option(help="Pixels of elastic distortion applied to every batch (0: off).")] = TRAIN.augment,
    label_smoothing: Annotated[float, typer.Option(help="Share of each target spread evenly over the letters "
                                                        "(0: the plain cross-entropy).")] = TRAIN.label_smoothing,
    dropout: Annotated[float, typer.Option(help="Share of hidden units zeroed at random in each training step (0: off).")] = TRAIN.dropout,
    members: Annotated[int, typer.Option(help="Networks trained alone (seeds seed, seed+1, ...) and joined into one "
                                              "that averages their logits.")] = TRAIN.members,
    force: Annotated[bool, typer.Option("--force", help="Allow --out to be the shipped model file.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON instead of a table.")] = False,
):
    """Train the MLP with an explicit weight-decay term on the weights (not the biases)."""
    config = TrainConfig(hidden=_parse_hidden(hidden), weight_decay=weight_decay, epochs=epochs,
                         batch_size=batch_size, lr=lr, schedule=schedule, device=device, seed=seed, augment=augment,
                         label_smoothing=label_smoothing, dropout=dropout, members=members)
    config.validate()
    from .present import as_json, members_table, training_summary, training_table
    from .shipped import DEFAULT_MODEL
    from .train import train_and_save

    if not force and out.resolve() == DEFAULT_MODEL.resolve():
        raise LettersError(f"--out {out} is the shipped model; add --force to replace it, or write elsewhere")

    progress, task = _progress("training", epochs * members, quiet=json_output)
    with progress:
        def on_step(done, total, _model):
            progress.update(task, total=total, completed=done)

        _, result = train_and_save(data, out, config, on_step=on_step)
    if json_output:
        _print_json(as_json(result))
    else:
        console = _console()
        console.print(training_table(result))
        if result.members:
            console.print(members_table(result))
        console.print(training_summary(result))
    _report_failed(result.failed)
    if result.interrupted:
        typer.echo(f"letters: stopped by Ctrl-C; kept the best checkpoint so far (epoch {result.best_epoch} of "
                   f"{result.epochs_run} run), without a none-of-the-letters detector", err=True)
        raise typer.Exit(130)
    if result.detector == "interrupted":
        typer.echo(f"letters: stopped by Ctrl-C while fitting the none-of-the-letters detector; saved the classifier "
                   f"(all {result.epochs_run} epochs) without it", err=True)
        raise typer.Exit(130)
    if result.failed:
        raise typer.Exit(EXIT_ERROR)


@app.command()
def classify(
    paths: Annotated[list[Path], typer.Argument(help="Image files or folders (searched recursively).", show_default=False,
                                                readable=False)],  # an unreadable file is one line, not a usage error
    model: Annotated[Optional[Path], typer.Option(help="Checkpoint file; default: the shipped model.")] = None,
    min_confidence: Annotated[float, typer.Option(help="Below this top probability the answer is marked unsure.")] = CLASSIFY.min_confidence,
    json_output: Annotated[bool, typer.Option("--json", help="JSON Lines: one object per image.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="List the hidden units that pushed each prediction most.")] = False,
    save_input: Annotated[Optional[Path], typer.Option(help="Write the 28x28 image the network saw, enlarged, to this PNG.")] = None,
):
    """Say whether each drawing is an A, a B or a C, with probabilities."""
    config = ClassifyConfig(min_confidence=min_confidence)
    config.validate()
    if save_input is not None:
        from .files import check_output_file

        check_output_file(save_input, "--save-input ")
    from .checkpoint import load_model
    from .novelty import load_novelty
    from .predict import classify as classify_loaded
    from .predict import load_inputs
    from .present import as_json, save_network_inputs
    from .shipped import DEFAULT_MODEL

    net, checkpoint = load_model(model or DEFAULT_MODEL)
    if checkpoint.get("novelty") is None:
        why = checkpoint.get("novelty_missing") or "it was trained without one"
        typer.echo(f"letters: note: this model has no none-of-the-letters detector ({_one_line(why)}), so a drawing "
                   "that is none of A, B, C is not flagged unsure", err=True)
    loaded = load_inputs(paths)
    predictions = classify_loaded(net, checkpoint["classes"], loaded, config.min_confidence, load_novelty(checkpoint))
    if save_input is not None:
        for prediction, path in zip(predictions, save_network_inputs(loaded, save_input)):
            if path:
                prediction.saved_input = str(path)
    if explain:
        from .explain import explain as explain_predictions

        explain_predictions(net, checkpoint["classes"], loaded, predictions, config)
    if json_output:
        for prediction in predictions:
            _print_json(as_json(prediction), indent=None)
    else:
        _print_classification(predictions, checkpoint["classes"])
    failed = [p for p in predictions if p.error is not None]
    _report_failed(failed)
    if failed:
        raise typer.Exit(EXIT_ERROR)


def _print_classification(predictions, classes) -> None:
    from .present import classification_notes, classification_table

    console = _console()
    console.print(classification_table(predictions, classes))
    for line in classification_notes(predictions):
        console.print(line)


@app.command()
def evaluate(
    folder: Annotated[Path, typer.Argument(help="Folder with A/, B/, C/ subfolders of images.", show_default=False,
                                           readable=False)],
    model: Annotated[Optional[Path], typer.Option(help="Checkpoint file; default: the shipped model.")] = None,
    worst: Annotated[int, typer.Option(help="How many of the worst-classified files to list.")] = EVALUATE.worst,
    errors: Annotated[Optional[Path], typer.Option(help="Write a contact sheet of every misread file (true -> predicted) to this PNG.")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="For each misread file, list the hidden units that favoured the wrong answer most.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
):
    """Score the model on a folder of labelled images: accuracy, confusion matrix, worst files."""
    from .checkpoint import load_model
    from .predict import evaluate_folder
    from .present import as_json, errors_sheet, evaluation_summary, evaluation_tables, explanation_lines
    from .shipped import DEFAULT_MODEL

    if errors is not None:
        if errors.is_dir() and not errors.is_symlink():
            raise LettersError(f"--errors {errors} is a folder; give a PNG file path such as {errors / 'errors.png'}")
        from .files import check_output_file

        check_output_file(errors, "--errors ")
    net, checkpoint = load_model(model or DEFAULT_MODEL)
    result = evaluate_folder(net, checkpoint["classes"], folder, worst=max(0, worst))
    if explain:
        from .explain import explain_errors

        explain_errors(net, checkpoint["classes"], result)
    if errors is not None:
        from .pictures import save_image

        save_image(errors_sheet(result), errors)
    if json_output:
        _print_json(as_json(result))
    else:
        console = _console()
        console.print(evaluation_summary(result))
        for table in evaluation_tables(result):
            console.print(table)
        for line in explanation_lines(result):
            console.print(line)
        if errors is not None:
            typer.echo(f"{len(result.wrong)} misread files drawn in {errors}")
    _report_failed(result.failed)
    if result.failed:  # as classify: the others were scored, but not every file was
        raise typer.Exit(EXIT_ERROR)


@app.command()
def analyze(
    model: Annotated[Optional[Path], typer.Option(help="Checkpoint file; default: the shipped model.")] = None,
    units: Annotated[int, typer.Option(help="Show only the N most important units (by ablation cost); 0 shows all.")] = ANALYSIS.units,
    probes: Annotated[int, typer.Option(help="Jittered probe samples per stroke and per letter.")] = ANALYSIS.probes,
    out: Annotated[Optional[Path], typer.Option(help="Folder for the pictures and report.html.")] = None,
    wide: Annotated[bool, typer.Option("--wide", help="One wide table: every stroke's response per unit (about 200 columns).")] = False,
    compare_weight_decay: Annotated[bool, typer.Option("--compare-weight-decay", help="Also train two small models, with and without weight decay, and compare them.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print everything as JSON.")] = False,
):
    """Show which strokes make each hidden unit fire, and measure the text's B-becomes-C example."""
    config = AnalysisConfig(probes=probes, units=units)
    config.validate()
    from .report import run_analysis

    report, files = run_analysis(model, config, out, compare_weight_decay)
    if json_output:
        from dataclasses import asdict

        _print_json({**asdict(report), "files": files})
        return
    _print_analysis(report, config, wide)
    if files:
        _console().print(f"pictures and report: {files['report.html']}")


def _print_analysis(report, config, wide: bool = False) -> None:
    from .present import analysis_output

    console = _console()
    width = console.width
    if wide:
        console.width = max(width, 220)  # the full table keeps every column whole
    for item in analysis_output(report, width, config.units, wide):
        console.print(item, markup=False) if isinstance(item, str) else console.print(item)


def _numbers(text: str, kind, option: str) -> tuple:
    try:
        values = tuple(kind(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise LettersError(f"{option} {text!r} is not a comma-separated list of numbers") from None
    if not values:
        raise LettersError(f"{option} {text!r}: give at least one value")
    return values


@app.command()
def morph(
    model: Annotated[Optional[Path], typer.Option(help="Checkpoint file; default: the shipped model.")] = None,
    name: Annotated[Optional[list[str]], typer.Option("--morph", help="Only this morph (repeatable); default: all of strokes.MORPHS.")] = None,
    steps: Annotated[int, typer.Option(help="Points from the start stroke (t=0) to its lookalike (t=1).")] = MORPH.steps,
    samples: Annotated[int, typer.Option(help="Seeded hands per step, the same at every step.")] = MORPH.samples,
    seed: Annotated[int, typer.Option(help="Seed of the hands.")] = MORPH.seed,
    probes: Annotated[int, typer.Option(help="Probe samples per stroke for the unit labels.")] = MORPH.probes,
    out: Annotated[Optional[Path], typer.Option(help="Folder for morph.png and morph.html.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print every number as JSON.")] = False,
):
    """Morph a stroke into its lookalike (B's upper bowl into C's top curve, ...) and watch P(C) and the units."""
    config = MorphConfig(steps=steps, samples=samples, seed=seed, probes=probes)
    config.validate()
    if out is not None:
        from .files import check_output_folder

        check_output_folder(out, ("morph.png", "morph.html"), "--out ")
    from .checkpoint import load_model
    from .experiments import MORPHS, morph_json, run_morph
    from .shipped import DEFAULT_MODEL

    net, _ = load_model(model or DEFAULT_MODEL)
    total = len([m for m in MORPHS if not name or m.name in name])
    progress, task = _progress("morphing", total, quiet=json_output)
    with progress:
        report = run_morph(net, config, name, str(model or DEFAULT_MODEL), progress=lambda n: progress.advance(task, n))
    files = {}
    if out is not None:
        from .experiment_report import write_morph_report

        files = write_morph_report(out, report)
    if json_output:
        _print_json({**morph_json(report), "files": files})
        return
    from .present import morph_tables

    console = _console()
    for item in morph_tables(report):
        console.print(item)
    if files:
        _console().print(f"picture and page: {files['morph.png']}, {files['morph.html']}")


@app.command()
def decay(
    quick: Annotated[bool, typer.Option("--quick", help="A small grid (2 sizes, 4 strengths, 3 seeds): under a minute.")] = False,
    sizes: Annotated[Optional[str], typer.Option(help="Training sizes, e.g. 450,3000,30000.")] = None,
    decays: Annotated[Optional[str], typer.Option(help="L2 strengths, e.g. 0,1e-5,1e-4,1e-3,1e-2.")] = None,
    l1: Annotated[Optional[float], typer.Option(help="Strength of the one L1 run for contrast; 0 skips it.")] = None,
    seeds: Annotated[Optional[int], typer.Option(help="Seeds per cell (data and initial weights).")] = None,
    steps: Annotated[Optional[int], typer.Option(help="Optimisation steps per run, whatever the size.")] = None,
    hidden: Annotated[Optional[str], typer.Option(help="Hidden layer sizes, e.g. 64 or 64,32.")] = None,
    test_count: Annotated[Optional[int], typer.Option(help="Fresh glyphs per seed for the test accuracy.")] = None,
    probes: Annotated[Optional[int], typer.Option(help="Probe samples per stroke for each network's unit labels.")] = None,
    handwriting: Annotated[Optional[str], typer.Option(help="Folder of real letters (A/, B/, C/); '' skips them.")] = None,
    cache: Annotated[Path, typer.Option(help="Folder of finished cells; a rerun trains only what is missing.")] = Path(".letters-cache/decay"),
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Train every cell and keep nothing.")] = False,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:N or mps.")] = DECAY.device,
    workers: Annotated[int, typer.Option(help="Processes drawing the glyphs.")] = DECAY.workers,
    out: Annotated[Optional[Path], typer.Option(help="Folder for decay.png and decay.html.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print every cell and point as JSON.")] = False,
):
    """Weight decay's dose response: strengths x seeds x training sizes, on fresh glyphs and real handwriting."""
    from dataclasses import replace

    base = QUICK_DECAY if quick else DECAY
    changes: dict[str, Any] = dict(
        device=device, workers=workers,
        **({"sizes": _numbers(sizes, int, "--sizes")} if sizes else {}),
        **({"decays": _numbers(decays, float, "--decays")} if decays else {}),
        **({"l1": l1} if l1 is not None else {}), **({"seeds": seeds} if seeds is not None else {}),
        **({"steps": steps} if steps is not None else {}), **({"hidden": _parse_hidden(hidden)} if hidden else {}),
        **({"test_count": test_count} if test_count is not None else {}),
        **({"probes": probes} if probes is not None else {}),
        **({"handwriting": handwriting} if handwriting is not None else {}))
    if handwriting is None and not Path(base.handwriting).is_dir():  # the default, outside a checkout: skip it
        changes["handwriting"] = ""
    config = replace(base, **changes)
    config.validate()
    from .files import check_output_folder

    if out is not None:
        check_output_folder(out, ("decay.png", "decay.html"), "--out ")
    if not no_cache:
        check_output_folder(cache, (), "--cache ")
    from .devices import resolve_device
    from .experiments import decay_json, grid, run_decay_sweep

    resolve_device(device)  # an absent device fails here, in one line, before any work
    progress, task = _progress("training the grid", len(grid(config)), quiet=json_output)
    with progress:
        def on_cell(done, total, text):
            progress.update(task, completed=done, total=total, description=text)

        report = run_decay_sweep(config, None if no_cache else cache, on_cell)
    if report.damaged:
        typer.echo(f"letters: note: {len(report.damaged)} damaged cache entries were trained again and replaced "
                   f"(first: {report.damaged[0]})", err=True)
    files = {}
    if out is not None:
        from .experiment_report import write_decay_report

        files = write_decay_report(out, report)
    if json_output:
        _print_json({**decay_json(report), "files": files})
        return
    from .present import decay_lines, decay_table

    console = _console()
    console.print(decay_table(report))
    for line in decay_lines(report):
        console.print(line)
    if files:
        _console().print(f"picture and page: {files['decay.png']}, {files['decay.html']}")


@app.command()
def demo(
    out: Annotated[Optional[Path], typer.Option(help="Folder for everything the demo makes; default: a fresh letters-demo-N here.")] = None,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:N or mps.")] = TRAIN.device,
    count: Annotated[int, typer.Option(help="Glyphs to generate; smaller is faster.")] = DEMO.count,
    epochs: Annotated[int, typer.Option(help="Training epochs.")] = DEMO.epochs,
    probes: Annotated[int, typer.Option(help="Probe samples per stroke for the analysis.")] = DEMO.probes,
):
    """The whole story in one command: generate, train, classify, analyze, report."""
    config = DemoConfig(count=count, epochs=epochs, probes=probes, device=device)
    config.validate()
    from .demo import choose_folder, run_demo

    folder = choose_folder(out)
    console = _console()
    console.print(f"letters demo: writing into {folder}")
    progress, task = _progress("working", 1)
    steps: list[str] = []

    def on_step(name: str, done: int, total: int):
        if not steps or steps[-1] != name:
            steps.append(name)
            progress.update(task, description=name, total=total, completed=0)
        progress.update(task, completed=done, total=total)

    with progress:
        result = run_demo(folder, config, on_step=on_step, reserved=out is None)
    console.print(f"1. generated {result.count} glyphs: {result.files['sheet']}")
    console.print(f"2. trained {result.hidden} units in {result.train.train_seconds:.1f} s, "
                  f"validation accuracy {result.train.val_accuracy:.4f}: {result.files['curves']}")
    console.print("3. classified:")
    _print_classification(result.classified, result.classes)
    console.print("4. the text's example, measured:")
    from .present import wrapped

    for sentence in result.analysis.misclassification.summary:
        if not sentence.startswith("  "):
            console.print(wrapped(f"- {sentence}", console.width), markup=False)
    console.print(f"pictures: {', '.join(result.files[k] for k in ('weights.png', 'roles.png', 'misclassification.png'))}")
    console.print(f"open the report: {result.files['report.html']}  (took {result.seconds:.1f} s)")


@app.command()
def draw(
    model: Annotated[Optional[Path], typer.Option(help="Checkpoint file; default: the shipped model.")] = None,
    port: Annotated[int, typer.Option(help="Port to serve on; 0 picks a free one.")] = DRAW.port,
    host: Annotated[str, typer.Option(help="Address to serve on; anything but 127.0.0.1 opens it to other machines.")] = DRAW.host,
    collect: Annotated[Optional[Path], typer.Option(help="Folder: buttons A, B, C file the drawing under DIR/A/, DIR/B/, DIR/C/.")] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the address only; do not open a browser.")] = False,
    probes: Annotated[int, typer.Option(help="Probe samples per stroke for the unit labels; fewer start faster.")] = DRAW.probes,
    allow_host: Annotated[Optional[list[str]], typer.Option("--allow-host", help="Also answer to this Host name (repeatable), e.g. this machine's name when serving on 0.0.0.0.")] = None,
):
    """Draw a letter in the browser and watch the hidden units fire, stroke by stroke."""
    config = DrawConfig(host=host, port=port, probes=probes, allow_host=tuple(allow_host or ()))
    config.validate()
    from .drawpad import Pad
    from .drawserver import DrawServer
    from .shipped import DEFAULT_MODEL
    from .strokes import CLASSES

    server = DrawServer(config, collect, CLASSES)  # binds now: a busy port fails before the slow part
    try:
        typer.echo("letters draw: labelling the hidden units from probe strokes (a few seconds)", err=True)
        pad = Pad.load(model or DEFAULT_MODEL, config)
    except BaseException:
        server.close()
        raise
    import torch

    torch.set_num_threads(1)  # one small forward pass a request: more threads only contend
    server.attach(pad)
    if server.warning:
        from .errors import flag_name, worded

        typer.echo(f"letters draw: warning: {worded(server.warning, flag_name)}", err=True)
    typer.echo(f"letters draw: serving {server.url}  (Ctrl-C stops it)")
    if collect is not None:
        typer.echo(f"letters draw: buttons A, B and C file drawings under {collect}")
    if not no_browser:
        server.open_browser()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    typer.echo("letters draw: stopped")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
