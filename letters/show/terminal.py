"""What the commands print in the terminal: rich tables and lines that read at 80 columns, answer first.

Every function here takes results (letters.network, letters.study) and returns rich tables or strings;
the CLI prints them. `letters analyze` prints the verdict on the text's example in its first lines and
at most 60 lines in all by default.
"""

from __future__ import annotations

import textwrap

from rich.markup import escape
from rich.table import Table

from ..network.predict import Evaluation, Prediction
from ..network.train import TrainResult
from ..study.analysis import AnalysisReport
from ..study.decay import DecayReport
from ..study.morph import MorphReport
from .json import printable
from .results import ablation_table, called_table, decay_table, strokes_table, units_table
from .tables import terminal_table
from .words import counts_line, decay_verdicts, example_verdict, morph_verdict, reasons_text, unit_label


def shown(path: str) -> str:
    """A file name on one line, rich's markup escaped, for a table cell."""
    return escape(printable(path))


def wrapped(text: str, width: int, indent: str = "  ") -> str:
    """A paragraph wrapped to the terminal, continuation lines indented; words are never split."""
    return textwrap.fill(text, width=max(40, width), subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=False)


def _rate(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:.4f}"


def training_table(result: TrainResult) -> Table:
    """One row per epoch: losses, accuracies and the weight norm of each layer."""
    table = Table(title=f"training ({result.epochs_run} epochs, {result.train_seconds:.1f} s)")
    for name in ("epoch", "data loss", "penalty", "total", "train acc", "val acc", "weight norms"):
        table.add_column(name, justify="right")
    for r in result.history:
        table.add_row(str(r.epoch), f"{r.data_loss:.4f}", f"{r.penalty:.4f}", f"{r.total_loss:.4f}",
                      f"{r.train_accuracy:.4f}", _rate(r.val_accuracy), " ".join(f"{v:.1f}" for v in r.weight_norms))
    return table


def training_summary(result: TrainResult, curves: str | None) -> str:
    return (f"saved the best epoch ({result.best_epoch}, val accuracy {_rate(result.val_accuracy)}) to "
            f"{shown(str(result.checkpoint))}; curves: {shown(str(curves))}")


def classification_table(predictions: list[Prediction], classes: list[str]) -> Table:
    """File, letter, the probability of each class, and 'unsure' or 'failed'."""
    table = Table()
    table.add_column("file", overflow="fold")
    table.add_column("letter", justify="center", no_wrap=True)
    for c in classes:
        table.add_column(f"P({c})", justify="right", no_wrap=True, min_width=5)
    table.add_column("unsure?")
    for p in predictions:
        if p.prediction is None or p.probabilities is None:
            table.add_row(shown(p.path), "-", *["" for _ in classes], "yes" if p.unsure else "[red]failed[/red]")
            continue
        table.add_row(shown(p.path), f"[bold]{p.prediction}[/bold]",
                      *[f"{p.probabilities[c]:.3f}" for c in classes], "yes" if p.unsure else "")
    return table


def _pushes(pushes) -> str:
    """Units and their pushes, each named as `letters analyze` names it."""
    return ", ".join(f"{u.name} ({escape(unit_label(u))}{', quiet' if u.quiet else ''}, +{u.push:.2f})" for u in pushes)


def classification_notes(predictions: list[Prediction]) -> list[str]:
    """The lines under the table: why an answer is unsure, which units pushed it, what the network saw."""
    lines = []
    for p in predictions:
        if p.unsure:
            lines.append(f"{shown(p.path)}: unsure: {escape(reasons_text(p))}")
        if p.explanation:
            lines.append(f"{shown(p.path)}: {p.prediction} because of " + _pushes(p.explanation))
        if p.saved_input:
            lines.append(f"{shown(p.path)}: the network saw {shown(p.saved_input)}")
    if any(p.explanation for p in predictions):
        lines.append(PUSH_LEGEND)
    return lines


PUSH_LEGEND = ("(push: a unit's rise over its blank-page level x its weight into the answer; quiet: it pushes "
               "by falling below that level, withdrawing a vote against the answer)")


def evaluation_summary(evaluation: Evaluation) -> str:
    return (f"{evaluation.n} images, accuracy {evaluation.accuracy:.4f}, mean cross-entropy "
            f"{evaluation.cross_entropy:.3f}")


def evaluation_tables(evaluation: Evaluation) -> list[Table]:
    """The confusion matrix with per-class accuracy, the risk-coverage table, then the worst files."""
    confusion = Table(title="confusion (rows: true, columns: predicted)")
    confusion.add_column("true")
    for c in evaluation.classes:
        confusion.add_column(c, justify="right")
    confusion.add_column("accuracy", justify="right")
    for i, c in enumerate(evaluation.classes):
        acc = evaluation.per_class[c]
        confusion.add_row(c, *[str(v) for v in evaluation.confusion[i]], "-" if acc is None else f"{acc:.4f}")
    tables = [confusion]
    if evaluation.coverage:
        from ..config import ClassifyConfig

        risk = Table(title="unsure: answers flagged against the accuracy of the rest",
                     caption=f"low: top probability under {ClassifyConfig.min_confidence:g}; detector: the near-miss "
                             "detector says none of the letters; rule: either, as classify flags")
        for name in ("rule", "flagged", "accuracy of the rest", "wrong answers flagged"):
            risk.add_column(name, justify="right" if name != "rule" else "left")
        for row in evaluation.coverage:
            risk.add_row(row.rule, f"{100 * row.flagged:.1f}%", f"{100 * row.accuracy:.2f}%",
                         f"{row.wrong_flagged} of {row.wrong}")
        tables.append(risk)
    if evaluation.worst:
        worst = Table(title="worst-classified files")
        for name in ("file", "true", "predicted", "P(true)"):
            worst.add_column(name, overflow="fold", no_wrap=name != "file")
        for w in evaluation.worst:
            worst.add_row(shown(w.path), w.true, w.prediction, f"{w.probability_true:.4f}")
        tables.append(worst)
    return tables


def explanation_lines(evaluation: Evaluation) -> list[str]:
    """With --explain: per misread file, the units that favoured the wrong answer."""
    lines = [f"{shown(w.path)}: {w.true} read as {w.prediction} because of " + _pushes(w.explanation)
             for w in evaluation.wrong if w.explanation]
    return [*lines, PUSH_LEGEND] if lines else lines


def analysis_output(report: AnalysisReport, width: int, units: str = "") -> list:
    """Everything `letters analyze` prints, answer first: strings (wrapped to `width`) and rich tables
    that fit 80 columns. `units`: "" lists none, "all" every unit, a number the costliest N."""
    ex = report.example
    hidden = "+".join(map(str, report.dims["hidden"]))
    out: list = [wrapped(f"The text's example, on {hidden} hidden units ({report.probes['per_role']} probes a "
                         "stroke; % [95% interval]):", width)]
    if ex is not None:
        out += [wrapped(f"- {s}", width) for s in example_verdict(ex)]
    out.append(wrapped(counts_line(report.counts, report.blank_active), width))
    if ex is not None:
        classes = list(report.classes)
        out += ["", terminal_table(called_table(ex.letter_like, classes, "one stroke left out"),
                                   caption=f"called each letter, % [95%]; chance {100 * ex.chance:.0f}%; flag: % "
                                           "flagged as none of the letters"),
                terminal_table(called_table(ex.lone, classes, "each stroke alone"))]
    out += ["", terminal_table(strokes_table(report), caption="det, look: units named its detectors, its lookalike units; "
                                                              "strongest:\nthe units firing most on it (L1.9: layer 1's "
                                                              "unit 9) and the letter each votes")]
    if ex is not None and ex.ablation.units:
        out += ["", wrapped(f"Zeroing the {len(ex.ablation.units)} lookalike units, against {ex.ablation.control_sets} "
                            "sets matched on activation (act.) and on vote too (vote): median % (share as far)", width),
                terminal_table(ablation_table(ex))]
    if units:
        chosen = report.units if units == "all" else sorted(report.units, key=lambda u: -u.ablation_cost)[:int(units)]
        out += ["", terminal_table(units_table(report, chosen), caption=(
            f"votes: its weights into {'/'.join(report.classes)}; whole: its rise over a blank page, whole "
            "letters;\ncost: the right letter's log-probability lost when it alone is zeroed"))]
    return out


def morph_tables(report: MorphReport) -> list:
    """Per morph: a table of the probabilities along it, the units that change most, the verdict."""
    out: list = []
    for r in report.morphs:
        t = r.target
        table = Table(title=f"{r.name} ({r.samples} hands a step; 95% intervals)")
        for column in ("t", *(f"P({c})" for c in r.probabilities), f"P({t}) interval", f"called {t}"):
            table.add_column(column, justify="right")
        for i, step in enumerate(r.t):
            pc = r.probabilities[t][i]
            table.add_row(f"{step:.2f}", *(f"{r.probabilities[c][i].mean:.2f}" for c in r.probabilities),
                          f"{pc.low:.2f}-{pc.high:.2f}", f"{100 * r.called[i].rate:.0f}%")
        out.append(table)
        out.append(escape("units that change most: " + ", ".join(
            f"{u.unit} {u.stroke or u.category} (change {u.change:.2f}, vote {u.vote:+.2f})" for u in r.top_units)))
        out.append(escape(f"- {morph_verdict(r)}"))
    return out


def decay_output(report: DecayReport) -> list:
    """The grid's table, its legend, what was trained, and the verdicts."""
    verdicts = decay_verdicts(report)
    return [terminal_table(decay_table(report), caption="fresh / hand = accuracy on fresh glyphs / real handwriting; "
                                                        "|W1| = first layer's weight norm; det / dead = units"),
            f"trained {report.trained} cell(s), {report.cached} from the cache, in {report.seconds:.1f} s",
            escape(f"- weight decay narrows the weights: {verdicts['narrows']}"),
            escape(f"- weight decay keeps the network from overfitting: {verdicts['overfitting']}")]


__all__ = ["analysis_output", "classification_notes", "classification_table", "decay_output", "evaluation_summary",
           "evaluation_tables", "explanation_lines", "morph_tables", "shown", "training_summary", "training_table",
           "unit_label", "wrapped"]
