"""The analysis's and the experiments' tables, each defined once as columns: `letters analyze` prints
them at 80 columns and report.html shows them whole.
"""

from __future__ import annotations

from ..study.analysis import AnalysisReport
from ..study.decay import DecayReport
from ..study.example import Called, Example
from ..study.stats import Rate
from ..study.units import UnitReport
from .tables import Column, ResultTable
from .words import inputs_name, unit_label


def points(r: Rate) -> str:
    """A rate in percent with its interval, compact: 50 [43-57]."""
    return f"{100 * r.rate:.0f} [{100 * r.low:.0f}-{100 * r.high:.0f}]"


def called_table(rows: list[Called], classes: list[str], first: str) -> ResultTable:
    """Inputs and the share called each letter, % [95%], with the share the detector flags."""
    flagged = any(c.flagged is not None for c in rows)
    return ResultTable([
        Column(first, inputs_name),
        *[Column(f"called {c}, % [95%]", (lambda letter: lambda row: points(row.called[letter]))(c), short=c)
          for c in classes],
        *([Column("flagged as none, %", lambda row: f"{100 * row.flagged.rate:.0f}" if row.flagged else "-",
                  short="flag")] if flagged else []),
        Column("n", lambda row: str(row.n), terminal=False),
    ], list(rows))


def strokes_table(report: AnalysisReport, top: int = 3) -> ResultTable:
    """Each stroke and the units that fire on it, both sides: how many detect it, how many are lookalike
    units for another letter, and the strongest few (name, and what it does)."""
    def firing(role: str) -> list[UnitReport]:
        return sorted((u for u in report.units if role in u.fires_on), key=lambda u: -u.response[role])

    return ResultTable([
        Column("stroke", lambda r: r),
        Column("units firing", lambda r: str(len(firing(r))), short="fire"),
        Column("detectors", lambda r: str(sum(u.category == "detector" and u.stroke == r for u in report.units)),
               short="det"),
        Column("lookalike units", lambda r: str(sum(u.category == "lookalike" and u.stroke == r for u in report.units)),
               short="look"),
        Column("strongest (what it does)", lambda r: ", ".join(f"{u.name} ->{u.vote}" for u in firing(r)[:top]) or "-",
               short="strongest", wrap=True),
    ], list(report.roles))


def ablation_table(example: Example) -> ResultTable:
    """Zeroing the lookalike units against control sets matched on activation, and on activation and vote:
    the share called the target (whole glyphs: the share right)."""
    by_strokes = {tuple(c.strokes): c for c in [*example.letter_like, *example.lone]}
    return ResultTable([
        Column("input", lambda e: inputs_name(by_strokes[tuple(e.strokes)]) if e.strokes else "whole glyphs right",
               wrap=True),
        Column("before, % [95%]", lambda e: points(e.before), short="before"),
        Column("after, % [95%]", lambda e: points(e.after), short="after"),
        Column("matched on activation: median % (as far)",
               lambda e: f"{100 * e.activation_median:.0f} ({100 * e.activation_as_far:.0f}%)", short="act."),
        Column("and on vote: median % (as far)", lambda e: f"{100 * e.vote_median:.0f} ({100 * e.vote_as_far:.0f}%)",
               short="vote"),
    ], list(example.ablation.effects))


def units_table(report: AnalysisReport, units: list[UnitReport]) -> ResultTable:
    """Every unit, both sides: what it is, its bias, what it fires on, its votes, its activity on whole
    letters, what zeroing it costs and its gated dissection score."""
    return ResultTable([
        Column("unit", lambda u: u.name),
        Column("what it does", unit_label, short="is"),
        Column("bias", lambda u: f"{u.bias:+.2f}"),
        Column("fires on", lambda u: ", ".join(u.fires_on[:3]) or "-", terminal=False),
        Column("votes " + "/".join(report.classes), lambda u: "/".join(f"{u.votes[c]:+.1f}" for c in report.classes),
               short="votes"),
        Column("whole " + "/".join(report.classes),
               lambda u: "/".join(f"{u.letter_response[c]:.1f}" for c in report.classes), short="whole"),
        Column("ablation cost", lambda u: f"{u.ablation_cost:.3f}", short="cost"),
        Column("dissection score", lambda u: "-" if u.dissection is None else f"{u.dissection:.2f}", terminal=False),
    ], list(units))


def lookalike_table(report: AnalysisReport) -> ResultTable:
    """Stroke pairs of different letters and their shared units; the text's pairs marked."""
    return ResultTable([
        Column("pair", lambda p: " ~ ".join(p.roles)),
        Column("shared units", lambda p: str(p.shared)),
        Column("expected", lambda p: f"{p.expected:.1f}"),
        Column("p", lambda p: f"{p.p_value:.2g}"),
        Column("beyond chance (p < 0.05 / pairs)", lambda p: "yes" if p.found else "no"),
        Column("in the text", lambda p: "yes" if p.in_text else ""),
        Column("units", lambda p: ", ".join(p.units)),
    ], [p for p in report.lookalikes if p.found or p.in_text or p.shared])


def dissection_table(report: AnalysisReport) -> ResultTable:
    """Per stroke: the chance and ideal IoU of the gated dissection, and its detectors' median score."""
    def median(role: str) -> str:
        scores = sorted(u.dissection for u in report.units if u.stroke == role and u.category == "detector"
                        and u.dissection is not None)
        return f"{scores[len(scores) // 2]:.2f}" if scores else "-"

    return ResultTable([
        Column("stroke", lambda b: b.role),
        Column("chance (input)", lambda b: f"{b.chance_input:.3f}"),
        Column("chance (random units)", lambda b: f"{b.chance_random:.3f}"),
        Column("ideal", lambda b: f"{b.ideal:.3f}"),
        Column("its detectors' median score", lambda b: median(b.role)),
    ], list(report.dissection_baselines))


DECAY_COLUMNS = {"test_accuracy": "fresh", "gap": "gap", "handwriting_accuracy": "hand", "weight_norm_1": "|W1|",
                 "units:detector": "det", "units:dead": "dead"}


def decay_table(report: DecayReport) -> ResultTable:
    """The grid's main measures, one row per training size and strength, means over the seeds."""
    points_ = {(p.measure, p.size, p.penalty, p.strength): p.value for p in report.points}
    rows = list(dict.fromkeys((c.size, c.penalty, c.strength) for c in report.cells))

    def cell(measure: str):
        def show(row) -> str:
            v = points_.get((measure, *row))
            return "-" if v is None else f"{v.mean:.3f}" if abs(v.mean) < 10 else f"{v.mean:.1f}"
        return show

    return ResultTable([
        Column("training glyphs", lambda r: f"{r[0]:,}", short="size"),
        Column("penalty", lambda r: f"{r[1]} {r[2]:g}"),
        *[Column(m, cell(m), short=short) for m, short in DECAY_COLUMNS.items()],
    ], rows, title=f"weight decay, dose response (mean over {report.config['seeds']} seeds)")


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
