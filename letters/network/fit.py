"""Fitting a model and saving it: the training loop, the none-of-the-letters detector, the checkpoint.

`train_and_save` checks every output path before the work, loads the data, trains the classifier
(`train.train_model`), refuses a run that its settings broke, fits the detector (`novelty`) and writes
one checkpoint. It lives apart from the loop so that the detector, itself trained by the loop, and the
classifier never import each other. Ctrl-C in any phase leaves nothing half-written.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from ..config import DatasetConfig, GeneratorConfig, NoveltyConfig, TrainConfig
from ..drawing.dataset import Dataset, load_dataset
from ..errors import LettersError, OptionError
from ..files import check_output_file
from ..inputs.preprocess import PREPROCESSING
from .checkpoint import make_checkpoint, save_checkpoint
from .model import LetterMLP
from .train import EpochCallback, StepCallback, TrainResult, train_model

NOVELTY = NoveltyConfig()  # train_and_save's default: every saved model gets its detector


def curves_path(checkpoint: Path) -> Path:
    """`<name>.curves.png` beside the checkpoint."""
    return checkpoint.with_name(checkpoint.stem + ".curves.png")


AT_CHANCE = 0.05  # training accuracy within this of chance ...
AT_CHANCE_MIN = 30  # ... on at least this many samples (one image is right or wrong), while the loss grew
BLOWN_UP = 10.0  # a cross-entropy ten times a blind guess's, or a penalty ten times the data loss: a broken run


def _refuse_broken_run(result: TrainResult, config: TrainConfig, n_train: int, classes: int) -> None:
    """A run whose settings broke it saves nothing: a learning rate so high that the loss is still blown
    up at the end (ten times a blind guess's), or a decay so strong that the penalty is all there is and
    the network sits at chance. A short run on a few glyphs that is near chance but learning is kept."""
    last = result.history[-1]
    at_chance = n_train >= AT_CHANCE_MIN and (result.train_accuracy or 0.0) < 1.0 / classes + AT_CHANCE
    blown = last.data_loss > BLOWN_UP * math.log(classes)
    crushed = at_chance and last.penalty > BLOWN_UP * max(last.data_loss, 1e-12)
    if blown:
        raise LettersError(lambda name: f"training broke down: the loss was {last.data_loss:.3g} at the last epoch "
                                        f"(a blind guess scores {math.log(classes):.2f}), so nothing was saved; try a "
                                        f"lower {name('lr')} (now {config.lr:g})")
    if crushed:
        raise LettersError(lambda name: f"training ended at chance level (training accuracy "
                                        f"{100 * (result.train_accuracy or 0.0):.1f}%, chance {100 / classes:.1f}%) "
                                        "because the weight penalty outweighs the data, so nothing was saved; try a "
                                        f"lower {name('weight_decay')} (now {config.weight_decay:g})")


PhaseCallback = Callable[[str], None]  # called with "load", "train", "detector", "save" as each phase starts


def generated(config: DatasetConfig, progress=None) -> Dataset:
    """Glyphs drawn in memory, as a Dataset whose meta says how (the checkpoint records it)."""
    from ..alphabet import CLASSES
    from ..drawing.generator import generate_tensors

    tensors = generate_tensors(config, progress)
    meta = {"format": "generated", "count": config.count, "seed": config.seed, "generator": config.generator.as_dict()}
    return Dataset(tensors["images"], tensors["labels"], tensors["is_val"], list(CLASSES), meta,
                   owners=tensors["owners"], seeds=tensors["seeds"])


def train_and_save(data: Path | Dataset | DatasetConfig, out: Path, config: TrainConfig,
                   on_step: StepCallback | None = None, on_epoch: EpochCallback | None = None,
                   novelty: NoveltyConfig | None = NOVELTY, on_phase: PhaseCallback | None = None,
                   on_generate=None) -> tuple[LetterMLP, TrainResult]:
    """Load the data (a folder; or draw it, given a DatasetConfig; or take it loaded), train, and write the
    checkpoint (`result.checkpoint`; the
    caller draws the curves beside it, at `curves_path(out)`, checked here with it). Every output path is checked before the work starts; a run
    that diverges or ends at chance writes nothing. With `novelty`, the none-of-the-letters detector is
    trained on the same letters and saved with the model. Ctrl-C while training keeps the best epoch
    (`result.interrupted`); Ctrl-C while fitting the detector keeps the whole classifier without it
    (`result.detector == "interrupted"`, and the checkpoint's `novelty_missing` says why)."""
    stages: dict[str, float] = {}
    current: list = ["", time.perf_counter()]  # the phase under way and when it began

    def phase(name: str) -> None:
        """Time each phase into `result.stages` (set below), and tell the caller."""
        now = time.perf_counter()
        if current[0]:
            stages[current[0]] = round(now - current[1], 2)
        current[:] = [name, now]
        if on_phase:
            on_phase(name)

    out = Path(out)
    if out.is_dir() and not out.is_symlink():
        raise OptionError("out", f"{out} is a folder; give a file path such as {out / 'letters-mlp.pt'}")
    check_output_file(out, lambda name: f"{name('out')} ")
    check_output_file(curves_path(out), lambda name: f"{name('out')}'s curves ")
    if isinstance(data, DatasetConfig):
        phase("generate")
        dataset = generated(data, on_generate)
    else:
        phase("load")
        dataset = data if isinstance(data, Dataset) else load_dataset(data, seed=config.seed)
    phase("train")
    model, result = train_model(dataset, config, on_step=on_step, on_epoch=on_epoch)
    _refuse_broken_run(result, config, int((~dataset.is_val).sum()), len(dataset.classes))
    result.failed = list(dataset.meta.get("failed", []))
    metrics = result.metrics()
    metrics["data"] = {"path": dataset.meta.get("root"), "count": int(len(dataset.labels)), "val": int(dataset.is_val.sum()),
                       "format": dataset.meta.get("format"), "sha256": dataset.meta.get("sha256"),
                       "seed": dataset.meta.get("seed")}
    detector = None
    if novelty is not None and result.interrupted:
        result.detector = "skipped"
    elif novelty is not None:
        from ..drawing.generator import local_workers
        from .novelty import train_novelty

        generator = GeneratorConfig.from_dict(dataset.meta["generator"]) if "generator" in dataset.meta else GeneratorConfig()
        try:
            phase("detector")
            detector = train_novelty(dataset.images, dataset.is_val, novelty, generator, config.device,
                                     workers=local_workers())
            result.detector = "trained"
        except KeyboardInterrupt:  # the classifier is whole: keep it, and say that its detector is missing
            result.detector = "interrupted"
    phase("save")
    if novelty is not None:
        metrics["novelty_config"] = asdict(novelty)
    checkpoint = make_checkpoint(model, dataset.classes, PREPROCESSING, config.as_dict(), metrics, detector)
    if result.detector in ("interrupted", "skipped"):
        checkpoint["novelty_missing"] = "training was stopped by Ctrl-C before the detector was fitted"
    save_checkpoint(checkpoint, out)
    phase("")
    result.checkpoint, result.stages = str(out), stages
    return model, result
