"""`letters analyze`, `letters morph` and `letters decay`: what the units do, and the text's two claims."""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..config import QUICK_DECAY, AnalysisConfig, MorphConfig
from .base import ANALYSIS, DECAY, MODEL_HELP, MORPH, app, console, numbers, parse_hidden, print_json, progress


def flag(option: str):
    """A Wording that names `option` before its path in a message (`--out ...`)."""
    return lambda name: f"{name(option)} "


@app.command()
def analyze(
    model: Annotated[Optional[Path], typer.Option(help=MODEL_HELP)] = None,
    units: Annotated[str, typer.Option(help="List units one a line: all, or N (the N costliest to zero).")] = ANALYSIS.units,
    probes: Annotated[int, typer.Option(help="Jittered probe samples per stroke and per letter.")] = ANALYSIS.probes,
    out: Annotated[Optional[Path], typer.Option(help="Folder for the pictures and report.html.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print every number as JSON.")] = False,
):
    """Measure the text's example (is a B with its lower bowl left out called C?) and name every unit by what it does."""
    config = AnalysisConfig(probes=probes, units=units)
    config.validate()
    from ..files import check_output_folder
    from ..show.report import REPORT_FILES

    if out is not None:
        check_output_folder(out, REPORT_FILES, flag("out"))
    from ..study.analysis import analyze_model
    from .read_commands import load_checked

    net, checkpoint, detector = load_checked(model, quiet_detector=True)
    report, probe_set = analyze_model(net, config, novelty=detector)
    files = {}
    if out is not None:
        from ..show.report import write_report

        files = write_report(out, net, probe_set, report, checkpoint)
    if json_output:
        print_json({**asdict(report), "files": files})
        return
    from ..show.terminal import analysis_output

    screen = console()
    for item in analysis_output(report, min(screen.width, 100), config.units):
        screen.print(item, markup=False) if isinstance(item, str) else screen.print(item)
    if not config.units:
        screen.print("Every unit, one a line: --units all. The whole report: --out DIR.", markup=False)
    if files:
        screen.print(f"pictures and report: {files['report.html']}", markup=False)


@app.command()
def morph(
    model: Annotated[Optional[Path], typer.Option(help=MODEL_HELP)] = None,
    name: Annotated[Optional[list[str]], typer.Option("--morph", help="Only this morph (repeatable); default: all of the alphabet's.")] = None,
    steps: Annotated[int, typer.Option(help="Points from the start stroke (t=0) to its lookalike (t=1).")] = MORPH.steps,
    samples: Annotated[int, typer.Option(help="Seeded hands per step, the same at every step.")] = MORPH.samples,
    seed: Annotated[int, typer.Option(help="Seed of the hands.")] = MORPH.seed,
    probes: Annotated[int, typer.Option(help="Probe samples per stroke for what each unit does.")] = MORPH.probes,
    out: Annotated[Optional[Path], typer.Option(help="Folder for morph.png and morph.html.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print every number as JSON.")] = False,
):
    """Morph a stroke into its lookalike (B's upper bowl into C's top curve, ...) and watch P(C) and the units."""
    config = MorphConfig(steps=steps, samples=samples, seed=seed, probes=probes)
    config.validate()
    if out is not None:
        from ..files import check_output_folder

        check_output_folder(out, ("morph.png", "morph.html"), flag("out"))
    from ..alphabet import MORPHS
    from ..network.checkpoint import load_model
    from ..network.shipped import DEFAULT_MODEL
    from ..study.morph import morph_json, run_morph

    net, _ = load_model(model or DEFAULT_MODEL)
    total = len([m for m in MORPHS if not name or m.name in name])
    bar, task = progress("morphing", total, quiet=json_output)
    with bar:
        report = run_morph(net, config, name, str(model or DEFAULT_MODEL), progress=lambda n: bar.advance(task, n))
    files = {}
    if out is not None:
        from ..show.pages import write_morph_report

        files = write_morph_report(out, report)
    if json_output:
        print_json({**morph_json(report), "files": files})
        return
    from ..show.terminal import morph_tables

    screen = console()
    for item in morph_tables(report):
        screen.print(item)
    if files:
        screen.print(f"picture and page: {files['morph.png']}, {files['morph.html']}", markup=False)


@app.command()
def decay(
    quick: Annotated[bool, typer.Option("--quick", help="A small grid (2 sizes, 4 strengths, 3 seeds): under a minute.")] = False,
    sizes: Annotated[Optional[str], typer.Option(help="Training sizes, e.g. 450,3000,30000.")] = None,
    decays: Annotated[Optional[str], typer.Option(help="L2 strengths, e.g. 0,1e-5,1e-4,1e-3,1e-2.")] = None,
    l1: Annotated[Optional[float], typer.Option(help="Strength of the one L1 run for contrast; 0 skips it.")] = None,
    seeds: Annotated[Optional[int], typer.Option(help="Seeds per cell (data and initial weights).")] = None,
    steps: Annotated[Optional[int], typer.Option(help="Optimisation steps per run, whatever the size.")] = None,
    hidden: Annotated[Optional[str], typer.Option(help="Hidden layer sizes, e.g. 128 or 64,32.")] = None,
    test_count: Annotated[Optional[int], typer.Option(help="Fresh glyphs per seed for the test accuracy.")] = None,
    probes: Annotated[Optional[int], typer.Option(help="Probe samples per stroke for each network's units.")] = None,
    handwriting: Annotated[Optional[str], typer.Option(help="Folder of real letters (A/, B/, C/); '' skips them.")] = None,
    cache: Annotated[Path, typer.Option(help="Folder of finished cells; a rerun trains only what is missing.")] = Path(".letters-cache/decay"),
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Train every cell and keep nothing.")] = False,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:N or mps.")] = DECAY.device,
    workers: Annotated[int, typer.Option(help="Processes drawing the glyphs.")] = DECAY.workers,
    out: Annotated[Optional[Path], typer.Option(help="Folder for decay.png, decay.html and decay.json.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print every cell and point as JSON.")] = False,
):
    """Weight decay's dose response: strengths x seeds x training sizes, on fresh glyphs and real handwriting."""
    base = QUICK_DECAY if quick else DECAY
    changes: dict[str, Any] = dict(
        device=device, workers=workers,
        **({"sizes": numbers(sizes, int, "--sizes")} if sizes else {}),
        **({"decays": numbers(decays, float, "--decays")} if decays else {}),
        **({"l1": l1} if l1 is not None else {}), **({"seeds": seeds} if seeds is not None else {}),
        **({"steps": steps} if steps is not None else {}), **({"hidden": parse_hidden(hidden)} if hidden else {}),
        **({"test_count": test_count} if test_count is not None else {}),
        **({"probes": probes} if probes is not None else {}),
        **({"handwriting": handwriting} if handwriting is not None else {}))
    if handwriting is None and not Path(base.handwriting).is_dir():  # the default, outside a checkout: skip it
        changes["handwriting"] = ""
    config = replace(base, **changes)
    config.validate()
    from ..files import check_output_folder

    if out is not None:
        check_output_folder(out, ("decay.png", "decay.html", "decay.json"), flag("out"))
    if not no_cache:
        check_output_folder(cache, (), flag("cache"))
    from ..network.devices import resolve_device
    from ..study.decay import decay_json, grid, run_decay_sweep

    resolve_device(device)  # an absent device fails here, in one line, before any work
    bar, task = progress("training the grid", len(grid(config)), quiet=json_output)
    with bar:
        def on_cell(done, total, text):
            bar.update(task, completed=done, total=total, description=text)

        report = run_decay_sweep(config, None if no_cache else cache, on_cell)
    if report.damaged:
        typer.echo(f"letters: note: {len(report.damaged)} damaged cache entries were trained again and replaced "
                   f"(first: {report.damaged[0]})", err=True)
    files = {}
    if out is not None:
        from ..show.pages import write_decay_report

        files = write_decay_report(out, report)
    if json_output:
        print_json({**decay_json(report), "files": files})
        return
    from ..show.terminal import decay_output

    screen = console()
    for item in decay_output(report):
        screen.print(item)
    if files:
        screen.print(f"picture and page: {files['decay.png']}, {files['decay.html']}", markup=False)

