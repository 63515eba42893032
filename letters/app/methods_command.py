"""`letters methods`: which explanation methods find the strokes, scored against the generator's exact truth.

Captum is an optional extra (`pip install -e ".[methods]"`); without it the command says so in one
line before any work. Like every command, it imports torch and Captum inside the command only.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..config import QUICK_METHODS, MethodsConfig
from .base import MODEL_HELP, app, console, print_json, progress

METHODS = MethodsConfig()


@app.command()
def methods(
    model: Annotated[Optional[Path], typer.Option(help=MODEL_HELP)] = None,
    glyphs: Annotated[Optional[int], typer.Option(help=f"Generated glyphs of each letter [default: {METHODS.glyphs}; "
                                                       f"--quick: {QUICK_METHODS.glyphs}].", show_default=False)] = None,
    seed: Annotated[int, typer.Option(help="Seed of the glyphs, the random map and the randomised weights.")] = METHODS.seed,
    quick: Annotated[bool, typer.Option("--quick", help="A few glyphs and cheaper methods: seconds, for tests.")] = False,
    out: Annotated[Optional[Path], typer.Option(help="Folder for methods.png: each method's map beside the strokes.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print every number as JSON.")] = False,
):
    """Which explanation methods find the strokes? Attribution scored against exact ground truth."""
    base = QUICK_METHODS if quick else METHODS
    config = replace(base, seed=seed, **({"glyphs": glyphs} if glyphs is not None else {}))
    config.validate()
    if out is not None:
        from ..files import check_output_folder

        check_output_folder(out, ("methods.png",), lambda name: f"{name('out')} ")
    from ..study.method_maps import require_captum

    require_captum()  # a missing Captum is one line, before the model is read or a glyph drawn
    from ..network.checkpoint import load_model
    from ..network.shipped import DEFAULT_MODEL
    from ..study.methods import run_methods

    net, _ = load_model(model or DEFAULT_MODEL)
    bar, task = progress("attributing", 1, quiet=json_output)
    with bar:
        report, examples = run_methods(net, config, str(model or DEFAULT_MODEL),
                                       progress=lambda done, total: bar.update(task, completed=done, total=total))
    files = {}
    if out is not None:
        from ..show.methods import write_methods_picture

        files = write_methods_picture(out, examples)
    if json_output:
        print_json({**asdict(report), "files": files})
        return
    from ..show.methods import methods_output

    screen = console()
    for item in methods_output(report, min(screen.width, 80)):
        screen.print(item, markup=False) if isinstance(item, str) else screen.print(item)
    if files:
        screen.print(f"picture: {files['methods.png']}", markup=False)
