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
    from .experiments import DecayReport, MorphReport
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
        if p.unsure and p.reason:
            lines.append(f"{escape(p.path)}: unsure: {escape(p.reason)}")
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


def errors_sheet(evaluation: Evaluation) -> Image.Image:
    """Every misread file as the network saw it (dark on white), captioned true -> predicted, P(true),
    and with --explain the unit that favoured the wrong answer most."""
    from .pictures import gray_tile, titled_grid
    from .predict import load_input

    tiles, titles = [], []
    for w in evaluation.wrong:
        image = load_input(w.path).image
        if image is None:
            continue
        tiles.append(gray_tile(image.flatten().tolist(), zoom=3))
        caption = [f"{w.true} -> {w.prediction}  P({w.true}) {w.probability_true:.2f}", Path(w.path).name[:20]]
        if w.explanation:
            caption.append(f"L{w.explanation[0].layer}.{w.explanation[0].unit} {w.explanation[0].label}"[:22])
        titles.append(caption)
    return titled_grid(tiles, titles, columns=10)


def explanation_lines(evaluation: Evaluation) -> list[str]:
    """With --explain: per misread file, the units that favoured the wrong answer, with stroke labels."""
    return [f"{escape(w.path)}: {w.true} read as {w.prediction} because of " + ", ".join(
        f"L{u.layer}.{u.unit} ({escape(u.label)}, +{u.push:.2f})" for u in w.explanation)
        for w in evaluation.wrong if w.explanation]


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


# ---------------------------------------------------------------- the analysis (letters analyze)

ANALYSIS_LABEL_ORDER = ("mixed", "weak", "bias-only", "dead")  # after the strokes, in this order


def wrapped(text: str, width: int, indent: str = "  ") -> str:
    """A paragraph wrapped to the terminal, continuation lines indented; words are never split."""
    import textwrap

    return textwrap.fill(text, width=max(40, width), subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=False)


def analysis_units_in_order(report, units: int = 0) -> list:
    """The units to show: the `units` most important (ablation cost), else all by layer and label."""
    if units:
        return sorted(report.units, key=lambda u: -u.ablation_cost)[:units]
    order = {label: k for k, label in enumerate([*report.roles, *ANALYSIS_LABEL_ORDER])}
    return sorted(report.units, key=lambda u: (u.layer, order.get(u.label, len(order)), -max(u.response.values())))


def analysis_unit_lines(report, width: int, units: int = 0) -> list[str]:
    """One line per unit, fitting `width`: name, label, bias, whether the bias alone fires it,
    then its strongest responses (* = fires) as many as fit."""
    head = f"{'unit':<8}{'label':<17}{'bias':>6} {'blank':<6} "
    lines = [head + "strongest responses (* = fires)"]
    room = max(20, width - len(head))
    for u in analysis_units_in_order(report, units):
        parts: list[str] = []
        for r in sorted(report.roles, key=lambda r: -u.response[r])[:4]:
            piece = f"{r} {u.response[r]:.2f}{'*' if r in u.fires_on else ''}"
            if parts and len("  ".join([*parts, piece])) > room:
                break
            parts.append(piece)
        lines.append(f"{u.name:<8}{u.label:<17}{u.bias:>+6.2f} {'fires' if u.bias_fires else '-':<6} " + "  ".join(parts))
    return lines


def analysis_wide_table(report, units: int = 0) -> Table:
    """Every stroke's response per unit (* = fires), with label, bias, dissection score, votes and cost."""
    short = {r: r.split(".")[0] + "." + "".join(w[0] for w in r.split(".")[1].split("_")) for r in report.roles}
    table = Table(box=None, pad_edge=False, caption="columns: " + ", ".join(f"{v} = {k}" for k, v in short.items()),
                  caption_justify="left")
    table.add_column("unit", no_wrap=True)
    for r in report.roles:
        table.add_column(short[r], justify="right", no_wrap=True)
    for name in ("label", "bias", "blank", "select.", "score", "votes A/B/C", "cost"):
        table.add_column(name, justify="right", no_wrap=True)
    for u in analysis_units_in_order(report, units):
        table.add_row(u.name, *[f"{u.response[r]:.2f}" + ("*" if r in u.fires_on else " ") for r in report.roles],
                      escape(u.label), f"{u.bias:+.2f}", "fires" if u.bias_fires else "-", f"{u.selectivity:.2f}",
                      "n/a" if u.dissection_score is None else f"{u.dissection_score:.2f}",
                      "/".join(f"{u.votes[c]:+.2f}" for c in report.classes), f"{u.ablation_cost:.4f}")
    return table


def _plain_table(columns: list[str]) -> Table:
    table = Table(box=None, pad_edge=False)
    for k, name in enumerate(columns):
        table.add_column(name, justify="left" if k == 0 else "right", no_wrap=True)
    return table


def analysis_output(report, width: int, units: int = 0, wide: bool = False) -> list:
    """Everything `letters analyze` prints, in order: plain strings (already wrapped to `width`)
    and rich tables that fit 80 columns (the wide table excepted)."""
    from .analysis import key_effects

    out: list = [wrapped(f"Hidden units {report.dims['hidden']}. Response = rise in mean activation over the "
                         f"blank-page baseline, scaled to a stroke of average size; a unit fires on a stroke when the "
                         f"response is at least {report.fire_floor:g} and at least {report.fire_fraction:.0%} of its "
                         "best. blank = the bias alone makes it fire.", width)]
    out += [analysis_wide_table(report, units)] if wide else analysis_unit_lines(report, width, units)
    counts = report.label_counts
    out.append(wrapped("Labels: " + ", ".join(f"{counts[k]} {k}" for k in ("stroke", *ANALYSIS_LABEL_ORDER)
                                              if counts.get(k)) +
                       f"; {report.clean_units} clean stroke detector(s) (dissection score >= {report.clean_score:g}).", width))
    out.append(wrapped(f"{report.blank_active} of {len(report.units)} units fire on a blank page (activation >= "
                       f"{report.fire_floor:g} with no ink at all). With no input every weight multiplies 0, so what "
                       "is left is the bias: a first-layer unit's blank-page activation is exactly ReLU(bias).", width))
    out += ["", "Strokes and the units that fire on them (response):"]
    for r in report.roles:
        entries = report.units_by_role[r]
        listed = ", ".join(f"{e['unit']} {e['response']:.2f}" for e in entries) or "none"
        out.append(wrapped(f"{r} ({len(entries)}): {listed}", width))
    out += ["", wrapped("Dissection: IoU of stroke-blind maps (chance) and of a planted detector (ideal); score = "
                        "(IoU - chance) / (ideal - chance)", width)]
    table = _plain_table(["stroke", "chance", "ideal", "units labelled", "their median score"])
    for base in report.dissection_baselines:
        mine = sorted(u.dissection[base.role] for u in report.units if u.label == base.role)
        table.add_row(base.role, f"{base.chance:.3f}", f"{base.ideal:.3f}", str(len(mine)),
                      f"{mine[len(mine) // 2]:.2f}" if mine else "-")
    out += [table, "", wrapped("Lookalike pairs: strokes of different letters that share firing units; "
                               "lookalike = more than independence allows (the text's pairs marked)", width)]
    table = _plain_table(["pair", "shared", "expected", "p", "lookalike", "text"])
    for pair in report.lookalikes:
        if pair.found or pair.in_text:
            table.add_row(" ~ ".join(pair.roles), str(pair.shared), f"{pair.expected:.1f}", f"{pair.p_value:.1g}",
                          "yes" if pair.found else "no", "yes" if pair.in_text else "")
    out.append(table)
    mis = report.misclassification
    if mis is not None:
        out += ["", "The text's example, measured",
                wrapped(f"Each stroke alone: share called each letter [95% interval]; chance {mis.chance:.0%}", width)]
        table = _plain_table(["stroke", *[f"called {c}" for c in report.classes], "n"])
        for s in mis.lone_strokes:
            table.add_row(s.role, *[f"{s.called[c].rate:.0%} [{s.called[c].low:.0%}-{s.called[c].high:.0%}]"
                                    for c in report.classes], str(s.called[report.classes[0]].n))
        out.append(table)
        # the ablation's sentences become the table below
        out += [wrapped("- " + s, width) for s in mis.summary if not s.startswith(("  ", "Zeroing the "))]
        if mis.ablation.units:
            effects = key_effects(mis)
            sizes = ", ".join(f"{n} for {what}" for what, n in dict.fromkeys(
                ("whole glyphs" if e.measure.startswith("accuracy") else "a stroke", e.before.n) for e in effects))
            out.append(wrapped(f"Zeroing the {len(mis.ablation.units)} shared units: percent [95% interval], n = {sizes}; "
                               f"random / vote = median over {mis.ablation.control_sets} sets of as many random live "
                               "units / of units that vote the same way; far = share of those sets that move the rate "
                               "as far.", width))
            table = _plain_table(["measure", "before", "after", "random", "far", "vote", "far"])
            table.columns[0].no_wrap = False  # the one column that may wrap if the numbers grow

            def pct(r) -> str:
                return f"{100 * r.rate:.0f} [{100 * r.low:.0f}-{100 * r.high:.0f}]"

            for e in effects:
                table.add_row(e.measure, pct(e.before), pct(e.after), f"{100 * e.random_median:.0f}",
                              f"{100 * e.random_as_extreme:.0f}%", f"{100 * e.same_vote_median:.0f}",
                              f"{100 * e.same_vote_as_extreme:.0f}%")
            out.append(table)
    if report.weight_decay_comparison:
        table = Table(title="weight decay and overfitting (small dataset, same seed)")
        for name in ("weight decay", "train acc", "val acc", "gap", "weight norms", "clean units"):
            table.add_column(name, justify="right")
        for r in report.weight_decay_comparison:
            table.add_row(f"{r['weight_decay']:g}", f"{r['train_accuracy']:.3f}", f"{r['val_accuracy']:.3f}",
                          f"{r['gap']:.3f}", " ".join(f"{v:.1f}" for v in r["weight_norms"]), str(r["clean_units"]))
        out += [table, wrapped(report.weight_decay_summary or "", width)]
    return out


def morph_tables(report: MorphReport) -> list:
    """Per morph: a table of the probabilities along it, the units that change most, the verdict."""
    out: list = []
    for r in report.morphs:
        table = Table(title=f"{r.name} ({r.samples} hands a step; 95% intervals)")
        for column in ("t", "P(A)", "P(B)", "P(C)", "P(C) interval", "called C"):
            table.add_column(column, justify="right")
        for i, t in enumerate(r.t):
            pc = r.probabilities["C"][i]
            table.add_row(f"{t:.2f}", f"{r.probabilities['A'][i].mean:.2f}", f"{r.probabilities['B'][i].mean:.2f}",
                          f"{pc.mean:.2f}", f"{pc.low:.2f}-{pc.high:.2f}", f"{100 * r.called_c[i]:.0f}%")
        out.append(table)
        out.append(escape("units that change most: " + ", ".join(
            f"{u.unit} {u.label} (change {u.change:.2f}, vote {u.vote:+.2f})" for u in r.top_units)))
        out.append(escape(f"- {r.verdict}"))
    return out


DECAY_COLUMNS = {"test_accuracy": "fresh acc", "gap": "gap", "handwriting_accuracy": "hand acc", "weight_norm_1": "|W1|",
                 "clean_detectors": "clean", "upper_bowl_called_c": "bowl->C"}


def decay_table(report: DecayReport) -> Table:
    """The grid's main measures, one row per training size and strength, means over the seeds."""
    points = {(p.measure, p.size, p.penalty, p.strength): p.value for p in report.points}
    table = Table(title=f"weight decay, dose response (mean over {report.config['seeds']} seeds)")
    for column in ("size", "penalty", *DECAY_COLUMNS.values()):
        table.add_column(column, justify="right")
    for size, penalty, strength in dict.fromkeys((c.size, c.penalty, c.strength) for c in report.cells):
        cells = []
        for m in DECAY_COLUMNS:
            v = points.get((m, size, penalty, strength))
            cells.append("-" if v is None else f"{v.mean:.3f}" if abs(v.mean) < 10 else f"{v.mean:.1f}")
        table.add_row(f"{size:,}", f"{penalty} {strength:g}", *cells)
    return table


def decay_lines(report: DecayReport) -> list[str]:
    """The legend, what was trained, and the verdicts."""
    return ["|W1| = L2 norm of the first layer's weights; clean = clean stroke detectors; "
            "bowl->C = B's upper bowl alone called C",
            f"trained {report.trained} cell(s), {report.cached} from the cache, in {report.seconds:.1f} s",
            escape(f"- weight decay narrows the weights: {report.verdicts['narrows']}"),
            escape(f"- weight decay keeps the network from overfitting: {report.verdicts['overfitting']}")]
