"""`letters demo`: the whole story in one call, written into one fresh folder.

Generate a dataset, train a model, classify a few generated glyphs and the shipped
hand-drawn samples, analyse the hidden units, reproduce the misclassification
example and write the report. Everything is made in a staging folder and renamed
into place at the end, so an interrupted demo leaves nothing half-made.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..config import AnalysisConfig, DatasetConfig, DemoConfig, TrainConfig
from ..drawing.dataset import load_dataset, write_dataset
from ..drawing.generator import local_workers
from ..errors import OptionError
from ..files import replace_folder, staging_folder
from ..inputs.tensors import tensor_image
from ..network.checkpoint import read_checkpoint
from ..network.fit import curves_path, train_and_save
from ..network.novelty import load_novelty
from ..network.predict import Prediction, classify, load_inputs
from ..network.shipped import SAMPLES
from ..network.train import TrainResult
from ..show.pictures import save_image, training_curves
from ..show.report import write_report
from ..study.analysis import AnalysisReport, analyze_model

GENERATED_SHOWN = 6  # validation glyphs the demo saves as PNG and classifies


@dataclass
class DemoResult:
    """What `letters demo` made; every path is in the final folder."""

    count: int  # glyphs generated
    hidden: list[int]  # the trained network's hidden layer sizes
    train: TrainResult  # its `checkpoint` and `curves` name the files
    classes: list[str]
    classified: list[Prediction]  # the generated glyphs shown, then the shipped samples
    analysis: AnalysisReport  # the analysis of the trained model
    files: dict[str, str]  # sheet, curves, checkpoint, the pictures and report.html
    seconds: float = 0.0  # the whole demo, wall time


def choose_folder(out: Path | None) -> Path:
    """`out` if it is absent or empty; else a fresh `letters-demo-N` in the current folder,
    created here (mkdir is atomic), so two demos started together never pick the same one."""
    if out is not None:
        out = Path(out)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise OptionError("out", f"{out} already exists and is not empty; give a new folder")
        return out
    for n in range(1, 100_000):
        folder = Path(f"letters-demo-{n}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        except OSError as error:
            raise OptionError("out", f"not given and {folder} cannot be created here ({error.strerror or error}); "
                              "give a folder") from None
        return folder
    raise OptionError("out", "not given and letters-demo-1 to letters-demo-99999 all exist; give a folder")


def _filled(folder: Path) -> None:
    raise OptionError("out", f"{folder} was filled by someone else while the demo worked; nothing was replaced")


def run_demo(folder: Path, config: DemoConfig, on_step: Callable[[str, int, int], None] | None = None,
             reserved: bool = False) -> DemoResult:
    """Run every step; `on_step(name, done, total)` reports progress. Returns what happened.
    `reserved`: `folder` was made empty by choose_folder, and is removed again on failure."""
    start = time.perf_counter()
    step = on_step or (lambda *a: None)
    folder = Path(folder)
    staging = staging_folder(folder)
    try:
        result = _run(staging, folder, config, step)
        replace_folder(staging, folder, lambda: _filled(folder))  # onto the empty folder choose_folder made or checked
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if reserved and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()  # the empty folder choose_folder made for this run
        raise
    result.seconds = time.perf_counter() - start
    return result


def _run(work: Path, final: Path, config: DemoConfig, step) -> DemoResult:
    def final_path(p: Path) -> str:
        return str(final / p.relative_to(work))

    data = DatasetConfig(count=config.count, seed=config.seed, workers=local_workers())
    done = [0]

    def generated(n):
        done[0] += n
        step("generating glyphs", done[0], config.count)

    meta = write_dataset(work / "glyphs", data, progress=generated)
    dataset = load_dataset(work / "glyphs")  # once: for training and for the glyphs shown
    train_config = TrainConfig(epochs=config.epochs, device=config.device, seed=config.seed)
    model, trained = train_and_save(dataset, work / "letters-mlp.pt", train_config,
                                    on_step=lambda d, t, _m: step("training", d, t), novelty=config.novelty)
    save_image(training_curves(trained.history), curves_path(work / "letters-mlp.pt"))
    checkpoint = read_checkpoint(work / "letters-mlp.pt")
    detector = load_novelty(checkpoint)

    step("classifying", 0, 1)
    shown = work / "generated"
    shown.mkdir()
    val = dataset.is_val.nonzero().flatten().tolist()[:GENERATED_SHOWN]
    for i in val:
        letter = dataset.classes[int(dataset.labels[i])]
        tensor_image(dataset.images[i]).point(lambda v: 255 - v).resize((112, 112)).save(shown / f"{letter}-{i}.png")
    inputs = [shown] + ([SAMPLES] if SAMPLES.is_dir() else [])
    predictions = classify(model, dataset.classes, load_inputs(inputs), novelty=detector)
    for p in predictions:
        if p.path.startswith(str(work)):
            p.path = final_path(Path(p.path))

    step("analysing", 0, 1)
    analysis_config = AnalysisConfig(probes=config.probes)
    report, probes = analyze_model(model, analysis_config, novelty=detector)
    files = write_report(work / "analysis", model, probes, report, checkpoint)
    step("analysing", 1, 1)
    files = {name: final_path(Path(p)) for name, p in files.items()}
    trained.checkpoint = str(final / "letters-mlp.pt")
    files.update({"sheet": str(final / "glyphs" / "sheet.png"), "curves": str(curves_path(final / "letters-mlp.pt")),
                  "checkpoint": trained.checkpoint})
    return DemoResult(count=meta["count"], hidden=list(train_config.hidden), train=trained, classes=list(dataset.classes),
                      classified=predictions, analysis=report, files=files)
