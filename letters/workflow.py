"""Steps that join several library parts for a command: train then save, save what the
network saw, explain a prediction by its units.

Returns values and writes files; prints nothing.
"""

from __future__ import annotations

from pathlib import Path

from .checkpoint import make_checkpoint, save_checkpoint
from .config import ClassifyConfig, TrainConfig
from .dataset import Dataset, load_dataset, tensor_image
from .errors import LettersError
from .pictures import enlarge, save_image, training_curves
from .preprocess import PREPROCESSING
from .train import TrainResult, train_model


def curves_path(checkpoint: Path) -> Path:
    """`<name>.curves.png` beside the checkpoint."""
    return checkpoint.with_name(checkpoint.stem + ".curves.png")


def train_and_save(data: Path | Dataset, out: Path, config: TrainConfig, on_step=None, on_epoch=None) -> tuple[TrainResult, Path]:
    """Load the data (unless given loaded), train, and write checkpoint and curves; a run that
    diverges writes nothing."""
    out = Path(out)
    if out.exists() and out.is_dir():
        raise LettersError(f"--out {out} is a folder; give a file path such as {out / 'letters-mlp.pt'}")
    dataset = data if isinstance(data, Dataset) else load_dataset(data, seed=config.seed)
    result = train_model(dataset, config, on_step=on_step, on_epoch=on_epoch)
    metrics = result.metrics
    metrics["data"] = {"path": dataset.meta.get("root"), "count": int(len(dataset.labels)), "val": int(dataset.is_val.sum()),
                       "format": dataset.meta.get("format"), "sha256": dataset.meta.get("sha256")}
    checkpoint = make_checkpoint(result.model, dataset.classes, PREPROCESSING, config.as_dict(), metrics)
    save_checkpoint(checkpoint, out)
    curves = curves_path(out)
    save_image(training_curves(result.history), curves)
    return result, curves


def save_inputs(loaded, target: Path) -> list[Path | None]:
    """Write each 28x28 network input, enlarged, as a PNG: `target` itself for one image,
    `<target stem>-<image stem>.png` beside it for several."""
    target = Path(target)
    good = [item for item in loaded if item.error is None]
    paths = []
    for item in loaded:
        if item.error is not None:
            paths.append(None)
            continue
        path = target if len(good) == 1 else target.with_name(f"{target.stem}-{Path(item.path).stem}.png")
        save_image(enlarge(tensor_image(item.image).point(lambda v: 255 - v), 10), path)
        paths.append(path)
    return paths


def explain_records(model, checkpoint: dict, loaded, records, units: int = ClassifyConfig.explain_units) -> None:
    """Add to each record the hidden units that pushed its prediction most, with stroke labels."""
    from .analysis import unit_labels
    from .predict import unit_contributions

    labels = unit_labels(model)
    classes = checkpoint["classes"]
    for item, record in zip(loaded, records):
        if item.error is not None:
            continue
        pushes = unit_contributions(model, item.image, classes.index(record["prediction"]))[:units]
        layer = len(model.hidden)  # the last hidden layer: its units vote directly
        record["explanation"] = [{"layer": layer, "unit": u, "label": labels[u], "push": round(p, 4)}
                                 for u, p in pushes if p > 0]


def run_analysis(model_path, config, out=None, compare: bool = False) -> tuple[dict, dict]:
    """Analyse a checkpoint; with `out`, write the pictures and report.html there."""
    from .analysis import analyze, build_probes, compare_weight_decay, weight_decay_summary
    from .checkpoint import load_model
    from .config import GeneratorConfig
    from .report import write_report
    from .shipped import DEFAULT_MODEL

    if out is not None and Path(out).exists() and not Path(out).is_dir():
        raise LettersError(f"--out {out} is a file; give a folder for the pictures and report")
    model, checkpoint = load_model(model_path or DEFAULT_MODEL)
    probes = build_probes(config, GeneratorConfig())
    report = analyze(model, config, GeneratorConfig(), probes)
    if compare:
        report["weight_decay_comparison"] = compare_weight_decay(hidden=tuple(checkpoint["dims"]["hidden"]))
        report["weight_decay_summary"] = weight_decay_summary(report["weight_decay_comparison"])
    files = write_report(out, model, probes, report, report.get("weight_decay_comparison")) if out else {}
    return report, files
