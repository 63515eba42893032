"""`letters demo` and `letters draw`: the whole story in one command, and a pad to draw on in the browser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import DemoConfig, DrawConfig
from .base import DEMO, DRAW, MODEL_HELP, TRAIN, app, console, progress


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
    import textwrap

    from ..show.terminal import wrapped
    from ..show.words import demo_note, example_verdict
    from .demo import choose_folder, run_demo
    from .read_commands import print_classification

    folder = choose_folder(out)
    screen = console()
    screen.print(f"letters demo: writing into {folder}", markup=False)
    bar, task = progress("working", 1)
    steps: list[str] = []

    def on_step(name: str, done: int, total: int):
        if not steps or steps[-1] != name:
            steps.append(name)
            bar.update(task, description=name, total=total, completed=0)
        bar.update(task, completed=done, total=total)

    with bar:
        result = run_demo(folder, config, on_step=on_step, reserved=out is None)
    screen.print(f"1. generated {result.count} glyphs: {result.files['sheet']}", markup=False)
    screen.print(f"2. trained {result.hidden} hidden units in {result.train.train_seconds:.1f} s, validation accuracy "
                 f"{result.train.val_accuracy:.4f}: {result.files['curves']}", markup=False)
    screen.print(textwrap.fill(demo_note(), screen.width, initial_indent="   ", subsequent_indent="   "), markup=False)
    screen.print("3. classified:")
    print_classification(result.classified, result.classes)
    screen.print("4. the text's example, measured:")
    for sentence in example_verdict(result.analysis.example) if result.analysis.example else []:
        screen.print(wrapped(f"- {sentence}", screen.width), markup=False)
    screen.print(f"open the report: {result.files['report.html']}  (took {result.seconds:.1f} s)", markup=False)


@app.command()
def draw(
    model: Annotated[Optional[Path], typer.Option(help=MODEL_HELP)] = None,
    port: Annotated[int, typer.Option(help="Port to serve on; 0 picks a free one.")] = DRAW.port,
    host: Annotated[str, typer.Option(help="Address to serve on; anything but 127.0.0.1 opens it to other machines.")] = DRAW.host,
    allow_host: Annotated[Optional[list[str]], typer.Option("--allow-host", help="Also answer to this Host name "
                                                            "(repeatable): this machine's name when serving on 0.0.0.0.")] = None,
    collect: Annotated[Optional[Path], typer.Option(help="Folder: buttons A, B, C file the drawing under DIR/A/, DIR/B/, DIR/C/.")] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Print the address only; do not open a browser.")] = False,
    probes: Annotated[int, typer.Option(help="Probe samples per stroke for what each unit does; fewer start faster.")] = DRAW.probes,
):
    """Draw a letter in the browser and watch the hidden units fire, stroke by stroke."""
    config = DrawConfig(host=host, port=port, probes=probes, allow_host=tuple(allow_host or ()))
    config.validate()
    from ..alphabet import CLASSES
    from ..errors import flag_name, worded
    from ..network.shipped import DEFAULT_MODEL
    from .drawpad import Pad
    from .drawserver import DrawServer

    server = DrawServer(config, collect, CLASSES)  # binds now: a busy port fails before the slow part
    try:
        typer.echo("letters draw: finding what each hidden unit does from probe strokes (a few seconds)", err=True)
        pad = Pad.load(model or DEFAULT_MODEL, config)
    except BaseException:
        server.close()
        raise
    import torch

    torch.set_num_threads(1)  # one small forward pass a request: more threads only contend
    server.attach(pad)
    if server.warning:
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
