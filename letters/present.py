"""Presentation: results (the dataclasses of train, predict and evaluate) as terminal
tables, JSON, HTML pieces and pictures.

The CLI prints what these functions build, the report embeds their HTML, the demo
reuses the CLI's tables. Nothing here computes a result; it only shows one. rich is
imported here and in the CLI only.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image
from rich.markup import escape
from rich.table import Table

from .pictures import enlarge, save_image
from .predict import Evaluation, Loaded, Prediction
from .tensors import tensor_image

if TYPE_CHECKING:  # only for annotations: classify must not import training and the generator
    from .train import TrainResult

INPUT_ZOOM = 10  # --save-input: each of the 28x28 pixels as a 10x10 block


def as_json(result: Any) -> Any:
    """A result dataclass (or a list of them) as plain types: its asdict, top-level None fields left out
    (so a failed file's record is just `{"path", "error"}`)."""
    if isinstance(result, list):
        return [as_json(r) for r in result]
    if is_dataclass(result) and not isinstance(result, type):
        return {k: v for k, v in asdict(result).items() if v is not None}
    return result


def training_table(result: TrainResult) -> Table:
    """One row per epoch: losses, accuracies and the weight norm of each layer."""
    table = Table(title=f"training ({result.epochs_run} epochs, {result.train_seconds:.1f} s)")
    for name in ("epoch", "data loss", "penalty", "total", "train acc", "val acc", "weight norms"):
        table.add_column(name, justify="right")
    for r in result.history:
        table.add_row(str(r.epoch), f"{r.data_loss:.4f}", f"{r.penalty:.4f}", f"{r.total_loss:.4f}",
                      f"{r.train_accuracy:.4f}", f"{r.val_accuracy:.4f}", " ".join(f"{v:.1f}" for v in r.weight_norms))
    return table


def training_summary(result: TrainResult) -> str:
    return (f"saved the best epoch ({result.best_epoch}, val accuracy {result.val_accuracy:.4f}) "
            f"to {escape(str(result.checkpoint))}; curves: {escape(str(result.curves))}")


def classification_table(predictions: list[Prediction], classes: list[str]) -> Table:
    """File, letter, the probability of each class, and 'unsure' or 'failed'."""
    table = Table()
    table.add_column("file", overflow="fold")
    table.add_column("letter", justify="center", no_wrap=True)
    for c in classes:
        table.add_column(f"P({c})", justify="right", no_wrap=True, min_width=5)
    table.add_column("")
    for p in predictions:
        if p.prediction is None or p.probabilities is None:
            table.add_row(escape(p.path), "-", *["" for _ in classes], "[red]failed[/red]")
            continue
        table.add_row(escape(p.path), f"[bold]{p.prediction}[/bold]",
                      *[f"{p.probabilities[c]:.3f}" for c in classes], "unsure" if p.unsure else "")
    return table


def classification_notes(predictions: list[Prediction]) -> list[str]:
    """The lines under the table: which units pushed each answer, where the network's view was saved."""
    lines = []
    for p in predictions:
        if p.explanation:
            lines.append(f"{escape(p.path)}: {p.prediction} because of " + ", ".join(
                f"L{u.layer}.{u.unit} ({escape(u.label)}, +{u.push:.2f})" for u in p.explanation))
        if p.saved_input:
            lines.append(f"{escape(p.path)}: the network saw {escape(p.saved_input)}")
    return lines


def evaluation_summary(evaluation: Evaluation) -> str:
    return f"{evaluation.n} images, accuracy {evaluation.accuracy:.4f}"


def evaluation_tables(evaluation: Evaluation) -> list[Table]:
    """The confusion matrix with per-class accuracy, then the worst-classified files."""
    confusion = Table(title="confusion (rows: true, columns: predicted)")
    confusion.add_column("true")
    for c in evaluation.classes:
        confusion.add_column(c, justify="right")
    confusion.add_column("accuracy", justify="right")
    for i, c in enumerate(evaluation.classes):
        acc = evaluation.per_class[c]
        confusion.add_row(c, *[str(v) for v in evaluation.confusion[i]], "-" if acc is None else f"{acc:.4f}")
    tables = [confusion]
    if evaluation.worst:
        worst = Table(title="worst-classified files")
        for name in ("file", "true", "predicted", "P(true)"):
            worst.add_column(name, overflow="fold", no_wrap=name != "file")
        for w in evaluation.worst:
            worst.add_row(escape(w.path), w.true, w.prediction, f"{w.probability_true:.4f}")
        tables.append(worst)
    return tables


def save_network_inputs(loaded: list[Loaded], target: Path) -> list[Path | None]:
    """Write each 28x28 network input, enlarged, dark on white, as a PNG: `target` itself for
    one image, `<target stem>-<image stem>.png` beside it for several. None for unusable files."""
    target = Path(target)
    good = sum(item.image is not None for item in loaded)
    paths: list[Path | None] = []
    for item in loaded:
        if item.image is None:
            paths.append(None)
            continue
        path = target if good == 1 else target.with_name(f"{target.stem}-{Path(item.path).stem}.png")
        save_image(enlarge(tensor_image(item.image).point(lambda v: 255 - v), INPUT_ZOOM), path)
        paths.append(path)
    return paths


def html_table(header: list, rows: list) -> str:
    """A plain HTML table, every cell escaped."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def data_uri(image: Image.Image) -> str:
    """A picture as a data: URI, so report.html needs no files beside it."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
