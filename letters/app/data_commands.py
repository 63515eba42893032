"""`letters generate` and `letters train`: glyphs drawn from named strokes, and the network fitted to them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import SHIPPED, DatasetConfig, TrainConfig
from ..errors import LettersError
from .base import DATASET, DEFAULT_DATA, DEFAULT_MODEL_OUT, EXIT_ERROR, TRAIN, app, console, parse_hidden, print_json, progress, report_failed


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Dataset folder to write (atomically).")] = DEFAULT_DATA,
    count: Annotated[int, typer.Option(help="Number of glyphs, balanced over the letters.")] = DATASET.count,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives byte-identical files.")] = DATASET.seed,
    val_fraction: Annotated[float, typer.Option(help="Fraction held out for validation, in (0, 1).")] = DATASET.val_fraction,
    workers: Annotated[int, typer.Option(help="Processes to draw with; the output does not depend on it.")] = DATASET.workers,
    png: Annotated[bool, typer.Option("--png", help="Also write every glyph as a PNG in ImageFolder layout.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace a dataset letters generate made at --out.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the dataset's meta.json instead of a summary.")] = False,
):
    """Draw the letters from named strokes into a dataset, recording which stroke made every pixel."""
    config = DatasetConfig(count=count, seed=seed, val_fraction=val_fraction, workers=workers, png=png)
    config.validate()
    from ..drawing.dataset import write_dataset

    bar, task = progress("drawing glyphs", count, quiet=json_output)
    with bar:
        meta = write_dataset(out, config, force=force, progress=lambda n: bar.advance(task, n))
    if json_output:
        print_json(meta)
        return
    console().print(f"wrote {meta['count']} glyphs to {out} (train {meta['splits']['train']}, "
                    f"val {meta['splits']['val']}, seed {seed})")
    console().print(f"look at the samples, each stroke coloured by its role: {out / 'sheet.png'}")


@app.command()
def train(
    data: Annotated[Optional[Path], typer.Option(help="Dataset folder from `letters generate`, or an ImageFolder of "
                                                      "A/, B/, C/ images; default: the recipe's glyphs, drawn in memory.")] = None,
    out: Annotated[Path, typer.Option(help="Checkpoint file to write (atomically); its curves go beside it.")] = DEFAULT_MODEL_OUT,
    count: Annotated[int, typer.Option(help="Glyphs to draw when no --data is given; fewer is quicker.")] = SHIPPED.count,
    epochs: Annotated[int, typer.Option(help="Passes over the training split; fewer is quicker.")] = TRAIN.epochs,
    hidden: Annotated[str, typer.Option(help="Hidden layer sizes: 128 for one layer, 64,32 for two.")] = ",".join(map(str, TRAIN.hidden)),
    weight_decay: Annotated[float, typer.Option(help="L2 strength: loss = cross_entropy + wd * sum of squared weights.")] = TRAIN.weight_decay,
    lr: Annotated[float, typer.Option(help="Adam's learning rate.")] = TRAIN.lr,
    augment: Annotated[float, typer.Option(help="Pixels of elastic distortion applied to every batch (0: off).")] = TRAIN.augment,
    seed: Annotated[int, typer.Option(help="Seed of the initial weights and the batch order.")] = TRAIN.seed,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:N or mps.")] = TRAIN.device,
    force: Annotated[bool, typer.Option("--force", help="Allow --out to be the shipped model file.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON instead of a table.")] = False,
):
    """Train the network (with no options: the shipped recipe) with an explicit weight-decay term on the weights."""
    config = replace(TrainConfig(), hidden=parse_hidden(hidden), weight_decay=weight_decay, epochs=epochs, lr=lr,
                     augment=augment, seed=seed, device=device)
    config.validate()
    glyphs = DatasetConfig(count=count, seed=SHIPPED.seed, workers=2)
    glyphs.validate()
    source = glyphs if data is None else data
    from ..network.fit import curves_path, train_and_save
    from ..network.shipped import DEFAULT_MODEL
    from ..show.json import as_json
    from ..show.pictures import save_image, training_curves
    from ..show.terminal import training_summary, training_table

    if not force and out.resolve() == DEFAULT_MODEL.resolve():
        raise LettersError(f"--out {out} is the shipped model; add --force to replace it, or write elsewhere")
    bar, task = progress("drawing glyphs" if data is None else "training", count if data is None else epochs,
                         quiet=json_output)
    with bar:
        def on_phase(name: str) -> None:
            bar.update(task, description={"generate": "drawing glyphs", "train": "training",
                                          "detector": "fitting the none-of-the-letters detector"}.get(name, name),
                       completed=0)

        def on_step(done, total, _model):
            bar.update(task, total=total, completed=done)

        _, result = train_and_save(source, out, config, on_step=on_step, on_phase=on_phase,
                                   on_generate=lambda n: bar.advance(task, n))
    curves = curves_path(out)
    save_image(training_curves(result.history), curves)
    if json_output:
        print_json({**as_json(result), "curves": str(curves)})
    else:
        console().print(training_table(result))
        console().print(training_summary(result, str(curves)))
        console().print("took " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in result.stages.items()))
    report_failed(result.failed)
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
