"""Presentation: results (the dataclasses of train, predict and evaluate) as terminal
tables, JSON, HTML pieces and pictures.

The CLI prints what these functions build, the report embeds their HTML, the demo
reuses the CLI's tables. A table of results is defined once, as its columns (`ResultTable`),
and drawn by rich in the terminal and as HTML in the reports. Nothing here computes a
result; it only shows one. rich is imported here and in the CLI only.
"""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from PIL import Image
from rich.markup import escape
from rich.table import Table

from .pictures import enlarge, save_image
from .predict import Evaluation, Loaded, Prediction
from .tensors import tensor_image

if TYPE_CHECKING:  # only for annotations: classify must not import training and the generator
    from .analysis import AnalysisReport, Misclassification, Rate, UnitReport
    from .experiments import DecayReport, MorphReport
    from .train import TrainResult

INPUT_ZOOM = 10  # --save-input: each of the 28x28 pixels as a 10x10 block


_CONTROL = {c: f"\\x{c:02x}" for c in [*range(32), 127]} | {10: "\\n", 13: "\\r", 9: "\\t"}


def json_text(text: str) -> str:
    """A string any strict JSON parser takes: a file name's undecodable bytes (lone surrogates from
    the file system) written as \\xNN, the rest as is."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return text.encode("utf-8", "backslashreplace").decode("utf-8")


def printable(path: str) -> str:
    """A file name as one line of text: control characters (a newline in a name) escaped, undecodable
    bytes as \\xNN."""
    return json_text(str(path)).translate(_CONTROL)


def shown(path: str) -> str:
    """`printable`, with rich's markup escaped, for a table cell."""
    return escape(printable(path))


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
    first = " of the first network" if result.members else ""
    table = Table(title=f"training{first} ({result.epochs_run} epochs, {result.train_seconds:.1f} s)")
    for name in ("epoch", "data loss", "penalty", "total", "train acc", "val acc", "weight norms"):
        table.add_column(name, justify="right")
    for r in result.history:
        table.add_row(str(r.epoch), f"{r.data_loss:.4f}", f"{r.penalty:.4f}", f"{r.total_loss:.4f}",
                      f"{r.train_accuracy:.4f}", f"{r.val_accuracy:.4f}", " ".join(f"{v:.1f}" for v in r.weight_norms))
    return table


def members_table(result: TrainResult) -> Table:
    """One row per network joined into the saved one: its seed, kept epoch and accuracies alone."""
    table = Table(title=f"{len(result.members)} networks joined (logits averaged)")
    for name in ("seed", "best epoch", "train acc", "val acc", "seconds"):
        table.add_column(name, justify="right")
    for m in result.members:
        table.add_row(str(m.seed), f"{m.best_epoch}/{m.epochs_run}", _rate(m.train_accuracy), _rate(m.val_accuracy),
                      f"{m.train_seconds:.1f}")
    return table


def _rate(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.4f}"


def training_summary(result: TrainResult) -> str:
    if result.members:
        return (f"saved {len(result.members)} networks joined into one (val accuracy {_rate(result.val_accuracy)}) "
                f"to {escape(str(result.checkpoint))}; curves of the first: {escape(str(result.curves))}")
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
            table.add_row(shown(p.path), "-", *["" for _ in classes], "[red]failed[/red]")
            continue
        table.add_row(shown(p.path), f"[bold]{p.prediction}[/bold]",
                      *[f"{p.probabilities[c]:.3f}" for c in classes], "unsure" if p.unsure else "")
    return table


def classification_notes(predictions: list[Prediction]) -> list[str]:
    """The lines under the table: which units pushed each answer, where the network's view was saved."""
    lines = []
    for p in predictions:
        if p.unsure and p.reason:
            lines.append(f"{shown(p.path)}: unsure: {escape(p.reason)}")
        if p.explanation:
            lines.append(f"{shown(p.path)}: {p.prediction} because of " + ", ".join(
                f"L{u.layer}.{u.unit} ({escape(u.label)}, +{u.push:.2f})" for u in p.explanation))
        if p.saved_input:
            lines.append(f"{shown(p.path)}: the network saw {shown(p.saved_input)}")
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
            worst.add_row(shown(w.path), w.true, w.prediction, f"{w.probability_true:.4f}")
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
        caption = [f"{w.true} -> {w.prediction}  P({w.true}) {w.probability_true:.2f}", Path(w.path).name]
        if w.explanation:
            caption.append(f"L{w.explanation[0].layer}.{w.explanation[0].unit} {w.explanation[0].label}")  # titled_grid widens to fit
        titles.append(caption)
    return titled_grid(tiles, titles, columns=10)


def explanation_lines(evaluation: Evaluation) -> list[str]:
    """With --explain: per misread file, the units that favoured the wrong answer, with stroke labels."""
    return [f"{shown(w.path)}: {w.true} read as {w.prediction} because of " + ", ".join(
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


@dataclass(frozen=True)
class Column:
    """One column of a result table: its header and how a row's cell is written, the same in the
    terminal and in HTML. `short` is the terminal's header where the full one would not fit 80 columns;
    a column may be left out of one of the two (`terminal=False`: the report only)."""

    header: str
    cell: Callable[[Any], str]
    short: str = ""
    terminal: bool = True
    html: bool = True
    wrap: bool = False  # the one terminal column that may wrap if the numbers grow
    justify: str = ""  # the terminal's; default: the first column left, the others right


@dataclass(frozen=True)
class ResultTable:
    """A table of results, defined once and shown by `terminal_table` (rich) and `html_table`.
    `brief`: the rows the terminal shows when it shows fewer than the report (None: all of them)."""

    columns: list[Column]
    rows: list
    brief: list | None = None
    title: str = ""  # the terminal's title; the report gives each table a heading of its own
    boxed: bool = False  # the terminal draws a box (else plain, as the analysis lists are)


def terminal_table(table: ResultTable, caption: str | None = None) -> Table:
    """The table as rich draws it in the terminal: its terminal columns and its brief rows."""
    columns = [c for c in table.columns if c.terminal]
    options: dict[str, Any] = {} if table.boxed else {"box": None, "pad_edge": False}
    out = Table(title=table.title or None, caption=caption, caption_justify="left", **options)
    for k, c in enumerate(columns):
        out.add_column(c.short or c.header, justify=c.justify or ("left" if k == 0 else "right"),  # type: ignore[arg-type]
                       no_wrap=not c.wrap)
    for row in table.rows if table.brief is None else table.brief:
        out.add_row(*[escape(c.cell(row)) for c in columns])
    return out


def html_table(table: ResultTable) -> str:
    """The table as the HTML report shows it: its HTML columns and every row, each cell escaped."""
    columns = [c for c in table.columns if c.html]
    head = "".join(f"<th>{html.escape(c.header)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c.cell(row))}</td>" for c in columns) + "</tr>"
                   for row in table.rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def cells(table: ResultTable) -> list[list[str]]:
    """The terminal's rows as text, for output that lists them as lines instead of a table."""
    columns = [c for c in table.columns if c.terminal]
    return [[c.cell(row) for c in columns] for row in (table.rows if table.brief is None else table.brief)]


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


# The analysis's tables, each defined once: `letters analyze` prints them, report.html shows them.

def percent(r: Rate) -> str:
    """A rate with its 95% interval: 80% [74-85%]."""
    return f"{100 * r.rate:.0f}% [{100 * r.low:.0f}-{100 * r.high:.0f}%]"


def _points(r: Rate) -> str:
    """A rate in percent without the signs, as the ablation's narrow columns show it: 80 [74-85]."""
    return f"{100 * r.rate:.0f} [{100 * r.low:.0f}-{100 * r.high:.0f}]"


def _called(letter: str) -> Callable[[Any], str]:
    return lambda row: percent(row.called[letter])


def _response(role: str) -> Callable[[UnitReport], str]:
    return lambda u: f"{u.response[role]:.2f}" + ("*" if role in u.fires_on else " ")


def units_by_role_table(report: AnalysisReport) -> ResultTable:
    """Each stroke and the units that fire on it, strongest first."""
    return ResultTable([
        Column("stroke", lambda r: r),
        Column("units", lambda r: str(len(report.units_by_role[r]))),
        Column("units that fire (response)", lambda r: ", ".join(
            f"{e['unit']} {e['response']:.2f}" for e in report.units_by_role[r]) or "none", wrap=True),
    ], list(report.roles))


def _median_score(report: AnalysisReport, role: str) -> str:
    scores = sorted(s for u in report.units if u.label == role and (s := u.dissection[role]) is not None)
    return f"{scores[len(scores) // 2]:.2f}" if scores else "-"


def dissection_table(report: AnalysisReport) -> ResultTable:
    """Per stroke: chance and ideal IoU, how many units carry its label and their median score."""
    return ResultTable([
        Column("stroke", lambda b: b.role),
        Column("chance", lambda b: f"{b.chance:.3f}", html=False),
        Column("chance (input)", lambda b: f"{b.chance_input:.3f}", terminal=False),
        Column("chance (random units)", lambda b: f"{b.chance_random:.3f}", terminal=False),
        Column("ideal", lambda b: f"{b.ideal:.3f}"),
        Column("units labelled", lambda b: str(sum(u.label == b.role for u in report.units))),
        Column("their median score", lambda b: _median_score(report, b.role)),
    ], list(report.dissection_baselines))


def lookalike_table(report: AnalysisReport) -> ResultTable:
    """Stroke pairs of different letters and their shared units; the terminal lists only the
    lookalikes and the text's pairs, the report every pair that shares a unit."""
    return ResultTable([
        Column("pair", lambda p: " ~ ".join(p.roles)),
        Column("shared units", lambda p: str(p.shared), short="shared"),
        Column("expected", lambda p: f"{p.expected:.1f}"),
        Column("p", lambda p: f"{p.p_value:.2g}"),
        Column("lookalike in the data", lambda p: "yes" if p.found else "no", short="lookalike"),
        Column("in the text", lambda p: "yes" if p.in_text else "", short="text"),
        Column("units", lambda p: ", ".join(p.units), terminal=False),
    ], [p for p in report.lookalikes if p.found or p.in_text or p.shared],
        brief=[p for p in report.lookalikes if p.found or p.in_text])


def lone_strokes_table(mis: Misclassification, classes: list[str]) -> ResultTable:
    """Each stroke drawn alone: the share called each letter."""
    return ResultTable([
        Column("stroke alone", lambda s: s.role, short="stroke"),
        *[Column(f"called {c} [95%]", _called(c), short=f"called {c}") for c in classes],
        Column("n", lambda s: str(s.called[classes[0]].n)),
        Column("most likely wrong answer", lambda s: s.most_likely_wrong, terminal=False),
    ], list(mis.lone_strokes))


def ablation_table(mis: Misclassification) -> ResultTable:
    """Zeroing the shared units against random and same-vote controls; the terminal shows the key effects."""
    from .analysis import key_effects

    return ResultTable([
        Column("measure", lambda e: e.measure, wrap=True),
        Column("n", lambda e: str(e.before.n), terminal=False),
        Column("before, % [95%]", lambda e: _points(e.before), short="before"),
        Column("after, % [95%]", lambda e: _points(e.after), short="after"),
        Column("random sets: median %", lambda e: f"{100 * e.random_median:.0f}", short="random"),
        Column("as far", lambda e: f"{100 * e.random_as_extreme:.0f}%", short="far"),
        Column("same-vote sets: median %", lambda e: f"{100 * e.same_vote_median:.0f}", short="vote"),
        Column("as far", lambda e: f"{100 * e.same_vote_as_extreme:.0f}%", short="far"),
    ], list(mis.ablation.effects), brief=key_effects(mis))


def deletion_table(mis: Misclassification, classes: list[str]) -> ResultTable:
    """Letters drawn with some strokes left out."""
    return ResultTable([
        Column("letter", lambda d: d.letter),
        Column("kept strokes", lambda d: ", ".join(d.kept)),
        *[Column(f"called {c} [95%]", _called(c), short=f"called {c}") for c in classes],
    ], list(mis.deletion))


def stroke_abbreviations(roles: list[str]) -> dict[str, str]:
    """`A.left_diagonal` -> `A.ld`: the wide table's column headers."""
    return {r: r.split(".")[0] + "." + "".join(w[0] for w in r.split(".")[1].split("_")) for r in roles}


def units_table(report: AnalysisReport, units: list[UnitReport]) -> ResultTable:
    """Every unit: label, bias, whether it fires on a blank page, selectivity, dissection score, votes,
    ablation cost; the terminal's wide table adds every stroke's response (* = fires)."""
    short = stroke_abbreviations(list(report.roles))
    return ResultTable([
        Column("unit", lambda u: u.name),
        *[Column(r, _response(r), short=short[r], html=False) for r in report.roles],
        Column("label", lambda u: u.label),
        Column("bias", lambda u: f"{u.bias:+.2f}"),
        Column("fires on blank", lambda u: "yes" if u.bias_fires else "no", short="blank"),
        Column("fires on", lambda u: ", ".join(u.fires_on) or "-", terminal=False),
        Column("selectivity", lambda u: f"{u.selectivity:.2f}", short="select."),
        Column("score (stroke)", lambda u: "n/a" if u.dissection_score is None
               else f"{u.dissection_score:.2f} ({u.dissection_role})", short="score"),
        Column("votes " + "/".join(report.classes), lambda u: "/".join(f"{u.votes[c]:+.2f}" for c in report.classes)),
        Column("ablation cost", lambda u: f"{u.ablation_cost:.4f}", short="cost"),
    ], list(units))


def weight_decay_table(report: AnalysisReport) -> ResultTable:
    """`--compare-weight-decay`: the two small models side by side."""
    return ResultTable([
        Column("weight decay", lambda r: f"{r['weight_decay']:g}", justify="right"),
        Column("train acc", lambda r: f"{r['train_accuracy']:.3f}"),
        Column("val acc", lambda r: f"{r['val_accuracy']:.3f}"),
        Column("gap", lambda r: f"{r['gap']:.3f}"),
        Column("weight norms", lambda r: " ".join(f"{v:.1f}" for v in r["weight_norms"])),
        Column("clean units", lambda r: str(r["clean_units"])),
    ], list(report.weight_decay_comparison or []), title="weight decay and overfitting (small dataset, same seed)",
        boxed=True)


def analysis_wide_table(report: AnalysisReport, units: int = 0) -> Table:
    """Every stroke's response per unit (* = fires), with label, bias, dissection score, votes and cost."""
    short = stroke_abbreviations(list(report.roles))
    return terminal_table(units_table(report, analysis_units_in_order(report, units)),
                          caption="columns: " + ", ".join(f"{v} = {k}" for k, v in short.items()))


def analysis_output(report, width: int, units: int = 0, wide: bool = False) -> list:
    """Everything `letters analyze` prints, in order: plain strings (already wrapped to `width`)
    and rich tables that fit 80 columns (the wide table excepted)."""
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
    out += [wrapped(f"{role} ({n}): {listed}", width) for role, n, listed in cells(units_by_role_table(report))]
    out += ["", wrapped("Dissection: IoU of stroke-blind maps (chance) and of a planted detector (ideal); score = "
                        "(IoU - chance) / (ideal - chance)", width), terminal_table(dissection_table(report))]
    out += ["", wrapped("Lookalike pairs: strokes of different letters that share firing units; "
                        "lookalike = more than independence allows (the text's pairs marked)", width),
            terminal_table(lookalike_table(report))]
    mis = report.misclassification
    if mis is not None:
        out += ["", "The text's example, measured",
                wrapped(f"Each stroke alone: share called each letter [95% interval]; chance {mis.chance:.0%}", width),
                terminal_table(lone_strokes_table(mis, list(report.classes)))]
        # the ablation's sentences become the table below
        out += [wrapped("- " + s, width) for s in mis.summary if not s.startswith(("  ", "Zeroing the "))]
        if mis.ablation.units:
            table = ablation_table(mis)
            sizes = ", ".join(f"{n} for {what}" for what, n in dict.fromkeys(
                ("whole glyphs" if e.measure.startswith("accuracy") else "a stroke", e.before.n) for e in table.brief or []))
            out.append(wrapped(f"Zeroing the {len(mis.ablation.units)} shared units: percent [95% interval], n = {sizes}; "
                               f"random / vote = median over {mis.ablation.control_sets} sets of as many random live "
                               "units / of units that vote the same way; far = share of those sets that move the rate "
                               "as far.", width))
            out.append(terminal_table(table))
    if report.weight_decay_comparison:
        out += [terminal_table(weight_decay_table(report)), wrapped(report.weight_decay_summary or "", width)]
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


def decay_points_table(report: DecayReport) -> ResultTable:
    """Every point of the dose response: measure, training size, penalty, strength, mean and interval."""
    return ResultTable([
        Column("measure", lambda p: p.measure),
        Column("training glyphs", lambda p: str(p.size)),
        Column("penalty", lambda p: p.penalty),
        Column("strength", lambda p: f"{p.strength:g}"),
        Column("mean", lambda p: f"{p.value.mean:.4g}"),
        Column("95% interval over seeds", lambda p: f"{p.value.low:.4g} to {p.value.high:.4g}"),
    ], list(report.points))
