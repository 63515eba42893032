"""`letters classify` and `letters evaluate`: the network reading people's drawings, one or a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import ClassifyConfig
from ..errors import LettersError
from .base import CLASSIFY, EVALUATE, EXIT_ERROR, MODEL_HELP, app, console, one_line, print_json, report_failed


def load_checked(model: Path | None, quiet_detector: bool = False):
    """The checkpoint (default: the shipped model) and its detector; a note on stderr when it has none."""
    from ..network.checkpoint import load_model
    from ..network.novelty import load_novelty
    from ..network.shipped import DEFAULT_MODEL

    net, checkpoint = load_model(model or DEFAULT_MODEL)
    if checkpoint.get("novelty") is None and not quiet_detector:
        why = checkpoint.get("novelty_missing") or "it was trained without one"
        typer.echo(f"letters: note: this model has no none-of-the-letters detector ({one_line(why)}), so a drawing "
                   "that is none of the letters is not flagged unsure", err=True)
    return net, checkpoint, load_novelty(checkpoint)


@app.command()
def classify(
    paths: Annotated[list[Path], typer.Argument(help="Image files or folders (searched recursively).", show_default=False,
                                                readable=False)],  # an unreadable file is one line, not a usage error
    model: Annotated[Optional[Path], typer.Option(help=MODEL_HELP)] = None,
    min_confidence: Annotated[float, typer.Option(help="Below this top probability the answer is marked unsure.")] = CLASSIFY.min_confidence,
    json_output: Annotated[bool, typer.Option("--json", help="JSON Lines: one object per image.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="List the hidden units that pushed each prediction most.")] = False,
    save_input: Annotated[Optional[Path], typer.Option(help="Write the 28x28 image the network saw, enlarged, to this PNG.")] = None,
):
    """Say whether each drawing is an A, a B or a C, with probabilities, or that it is unsure and why."""
    config = ClassifyConfig(min_confidence=min_confidence)
    config.validate()
    if save_input is not None:
        from ..files import check_output_file

        check_output_file(save_input, "--save-input ")
    from ..network.predict import classify as classify_loaded
    from ..network.predict import load_inputs
    from ..show.figures import save_network_inputs
    from ..show.json import as_json

    net, checkpoint, detector = load_checked(model)
    loaded = load_inputs(paths)
    predictions = classify_loaded(net, checkpoint["classes"], loaded, config.min_confidence, detector)
    if save_input is not None:
        for prediction, path in zip(predictions, save_network_inputs(loaded, save_input)):
            if path:
                prediction.saved_input = str(path)
    if explain:
        from ..study.explain import explain as explain_predictions

        explain_predictions(net, checkpoint["classes"], loaded, predictions, config)
    if json_output:
        for prediction in predictions:
            print_json(as_json(prediction), indent=None)
    else:
        print_classification(predictions, checkpoint["classes"])
    failed = [p for p in predictions if p.error is not None]
    report_failed(failed)
    if failed:
        raise typer.Exit(EXIT_ERROR)


def print_classification(predictions, classes) -> None:
    from ..show.terminal import classification_notes, classification_table

    out = console()
    out.print(classification_table(predictions, classes))
    for line in classification_notes(predictions):
        out.print(line)


@app.command()
def evaluate(
    folder: Annotated[Path, typer.Argument(help="Folder with A/, B/, C/ subfolders of images.", show_default=False,
                                           readable=False)],
    model: Annotated[Optional[Path], typer.Option(help=MODEL_HELP)] = None,
    worst: Annotated[int, typer.Option(help="How many of the worst-classified files to list.")] = EVALUATE.worst,
    errors: Annotated[Optional[Path], typer.Option(help="Write a contact sheet of every misread file (true -> predicted) to this PNG.")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="For each misread file, list the hidden units that favoured the wrong answer most.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
):
    """Score the model on a folder of labelled images: accuracy, confusion, what unsure catches, worst files."""
    from ..network.predict import evaluate_folder
    from ..show.json import as_json
    from ..show.terminal import evaluation_summary, evaluation_tables, explanation_lines

    if errors is not None:
        if errors.is_dir() and not errors.is_symlink():
            raise LettersError(f"--errors {errors} is a folder; give a PNG file path such as {errors / 'errors.png'}")
        from ..files import check_output_file

        check_output_file(errors, "--errors ")
    net, checkpoint, detector = load_checked(model, quiet_detector=True)
    result = evaluate_folder(net, checkpoint["classes"], folder, worst=max(0, worst), novelty=detector)
    if explain:
        from ..study.explain import explain_errors

        explain_errors(net, checkpoint["classes"], result)
    if errors is not None:
        from ..show.figures import errors_sheet
        from ..show.pictures import save_image

        save_image(errors_sheet(result), errors)
    if json_output:
        print_json(as_json(result))
    else:
        out = console()
        out.print(evaluation_summary(result))
        for table in evaluation_tables(result):
            out.print(table)
        for line in explanation_lines(result):
            out.print(line)
        if errors is not None:
            typer.echo(f"{len(result.wrong)} misread files drawn in {errors}")
    report_failed(result.failed)
    if result.failed:  # as classify: the others were scored, but not every file was
        raise typer.Exit(EXIT_ERROR)
