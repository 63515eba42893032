"""Every sentence letters says about its results: the glossary, unit names, verdicts, in one place.

The results are numbers (letters.study); this module turns them into words, and the terminal, the
report and the demo print what it returns, so every output says the same thing the same way. A
verdict compares an interval with what it is compared to, and says above, below or neither.
"""

from __future__ import annotations

from ..alphabet import LOOKALIKES
from ..study.decay import paired_difference
from ..study.example import Called, Example
from ..study.stats import Interval, Rate, mean_interval
from ..study.units import UnitReport

# The paragraph of the project text (shared/seed/weights-and-biases.txt) that the analysis tests, verbatim.
TEXT_EXAMPLE = (
    "For example, to train an AI model to identify the letters A, B, and C, the neural network will need to "
    "understand the shapes that make up each letter. For the letter C, the model will need to detect three "
    "shapes: a top curve, a slightly bent line to the left, and a bottom curve. If a top curve is detected, it "
    "will propagate forward to the next layer. However, neurons can accidentally be triggered by miscalculating "
    "data. It might see the top curve of B or the left line of A and misclassify those letters as C."
)
TEXT_SOURCE = "\u201cWhat are Weights and Biases?\u201d, section \u201cExamples of Weights and Biases\u201d"

# The text's terms, as this network has them.
TEXT_TERMS: dict[str, str] = {
    "unit (neuron)": "one number in a hidden layer: it multiplies each input by a weight, sums them, adds its bias "
                     "and passes the result through ReLU (negative becomes 0). This network has one hidden layer",
    "weight": "the strength of one connection from an input pixel (or a unit) to a unit; positive pushes the unit up, "
              "negative down. Training changes every weight a little at every step",
    "bias": "a number each unit adds to its weighted sum; every unit has its own (the text says one bias per layer: "
            "here, as in most networks, there is one per unit). On a blank page every weight multiplies 0, so the "
            "bias alone decides whether a first-layer unit fires",
    "forward propagation": "computing the answer from the pixels: inputs times weights plus biases, ReLU, then the "
                           "hidden units times their weights into one score (logit) per letter, turned into "
                           "probabilities by softmax",
    "loss": "cross-entropy: minus the log of the probability given to the true letter, averaged over the glyphs; 0 when "
            "sure and right",
    "backward propagation": "working out, from the output back to the pixels, how much each weight and bias moved the "
                            "loss (its gradient); the optimiser then nudges each one the other way",
    "regularisation (weight decay)": "a penalty added to the loss in plain sight: strength x the sum of every squared "
                                     "weight (biases exempt), which pulls weights toward 0",
    "overfitting": "doing better on the training glyphs than on new ones: the gap between the two accuracies",
}

# The tool's terms.
TOOL_TERMS: dict[str, str] = {
    "stroke": "one named part of a letter template, e.g. C.top_curve; probes draw each stroke alone and each letter "
              "with one stroke left out, where they sit in the whole letter",
    "response": "a unit's mean activation on some inputs minus its activation on a blank page: the rise the inputs "
                "cause. The draw page uses the same definition",
    "fires": "a unit fires on a stroke when its response to it is at least the floor and at least the fire fraction "
             "of its largest response to any stroke",
    "vote": "a unit's weight into each letter's score; its strongest vote is the letter it pushes towards",
    "detector": "a unit that fires on a stroke of one letter, votes for that letter, and is raised by whole glyphs "
                "of that letter, more than by any other letter's",
    "lookalike unit": "a unit that fires on a stroke of one letter but votes for another: the text's mistake inside one "
                      "neuron (it fires on B's top curve and pushes towards C)",
    "mixed": "fires on a stroke and votes for its letter, but whole glyphs of its letter do not raise it, or "
             "another letter's raise it more: the rest of the letter quiets it",
    "letter unit": "fires on no stroke alone, only on whole letters: it needs strokes together",
    "bias-only": "fires on no stroke, but is active on a blank page (its bias alone makes it fire); ink quiets "
                 "it: it tells ink from a blank page, not one letter from another",
    "weak": "active on some probe, but never by the firing floor",
    "dead": "active on no probe at all (stroke, letter or blank page): a unit nobody can read",
    "letter-like input": "a letter drawn with one stroke left out, e.g. B without its lower bowl, which keeps a top "
                         "curve and a left line as C has",
    "called X": "the share of inputs the network answers X, with n and a 95% Wilson interval",
    "chance": "one in the number of letters: what a blind guess scores",
    "flagged": "the share of inputs the none-of-the-letters detector marks as none of the letters",
    "matched controls": "random sets of as many other live units, matched unit for unit on mean activation (and, in the "
                        "second kind, on strongest vote); 'as far' is the share of those sets that move a rate at least "
                        "as far as the real ablation",
    "lookalike pair": "strokes of two letters that more units fire on than independence predicts (hypergeometric test, "
                      "Bonferroni over every pair)",
    "dissection score": "how well the pixels a unit attends to (weight x input, only on glyphs where it is on) overlap "
                        "its stroke: 0 at chance, 1 as good as a planted detector",
}


def reasons_text(p) -> str:
    """Why a prediction is unsure, in words, from its reason codes and numbers."""
    words = {"none": (f"looks like none of the letters (the near-miss detector scores it {p.none_score:.2f}, "
                      f"over its threshold {p.threshold:.2f})"
                      if p.none_score is not None and p.threshold is not None else "looks like none of the letters"),
             "low": "no letter is clearly likelier than the others (top probability "
                    f"{max((p.probabilities or {0: 0.0}).values()):.2f})",
             "blank": "no ink found: the picture is blank paper",
             "noise": "no paper found: noise or texture all over, no letter on a plain ground",
             "cut": "the ink runs off the edge of the picture: the letter may be cut by the frame",
             "several": "the ink falls apart into separate groups: several letters, or a line of text"}
    return "; ".join(words.get(code, code) for code in (p.reasons or []))


def pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def rate(r: Rate) -> str:
    """80% [74-85%]."""
    return f"{100 * r.rate:.0f}% [{100 * r.low:.0f}-{100 * r.high:.0f}%]"


def versus(r: Rate | Interval, value: float) -> str:
    """Whether an interval lies above, below or around `value`."""
    low, high = r.low, r.high
    return "above" if low > value else "below" if high < value else "not distinguishable from"


def unit_label(u) -> str:
    """A unit named by what it does, from both sides: a UnitReport, or anything with its category, stroke
    and vote (classify's UnitPush), so that every command names a unit alike."""
    if u.category == "detector":
        return f"{u.stroke} detector"
    if u.category == "lookalike":
        return f"{u.stroke} -> {u.vote}"
    if u.category == "mixed":
        return f"{u.stroke}, mixed"
    if u.category == "letter":
        return f"whole {getattr(u, 'active_letter', None) or 'letters'}"
    return u.category


def unit_sides(u: UnitReport) -> str:
    """Both sides in a few words: what it fires on, what it votes, what whole letter raises it."""
    fires = ", ".join(u.fires_on[:2]) or "no stroke"
    votes = "/".join(f"{c}{v:+.1f}" for c, v in u.votes.items())
    return f"fires on {fires}; votes {votes}; whole {u.active_letter} {u.letter_response[u.active_letter]:.2f}"


def inputs_name(called: Called) -> str:
    """`B without B.lower_bowl`, or `B.upper_bowl alone`."""
    if len(called.strokes) == 1:
        return f"{called.strokes[0]} alone"
    return f"{called.letter} without {', '.join(called.left_out)}"


def _text_inputs(example: Example) -> list[tuple[str, Called]]:
    """Per lookalike stroke of the text, the letter-like input keeping it that is called the target most."""
    out = []
    for _, other in LOOKALIKES:
        keeping = [c for c in example.letter_like if other in c.strokes and c.letter != example.target]
        if keeping:
            out.append((other, max(keeping, key=lambda c: c.called[example.target].k)))
    return out


def example_answer(example: Example) -> str:
    """The text's question answered in one sentence: yes where a letter that keeps the text's lookalike
    stroke is called the target above chance, no where below, and how whole letters fare."""
    t, chance = example.target, example.chance
    word = {"above": "yes", "below": "no", "not distinguishable from": "not clearly"}
    inputs = _text_inputs(example)
    letters = " or ".join(dict.fromkeys(c.letter for _, c in inputs))
    answers = "; ".join(f"{word[versus(c.called[t], chance)]} for {inputs_name(c)} ({pct(c.called[t].rate)})"
                        for _, c in inputs)
    whole = next((e.before for e in example.ablation.effects if not e.strokes), None)
    tail = f"; whole letters: {pct(whole.rate)} read right" if whole is not None else ""
    return f"Does it read {letters} as {t}, as the text says? {answers[:1].upper()}{answers[1:]}{tail}."


def example_verdict(example: Example) -> list[str]:
    """The text's example in a few sentences, the letter-like inputs first."""
    t, chance = example.target, example.chance
    out = [example_answer(example)]
    for other, c in _text_inputs(example):
        r = c.called[t]
        flag = f"; flagged as none of the letters {pct(c.flagged.rate)}" if c.flagged else ""
        out.append(f"{inputs_name(c)}, keeping the text's {other}: called {t} in {rate(r)} of {r.n}, "
                   f"{versus(r, chance)} chance ({pct(chance)}){flag}.")
    lone = {c.strokes[0]: c for c in example.lone}
    parts = []
    for _, other in LOOKALIKES:
        c = lone[other]
        flag = f", flagged {pct(c.flagged.rate)}" if c.flagged else ""
        parts.append(f"{other} {rate(c.called[t])}{flag}")
    out.append(f"Alone (less like a letter), called {t}: " + "; ".join(parts) + ".")
    ab = example.ablation
    if ab.units:
        key = max((e for e in ab.effects if len(e.strokes) > 1), key=lambda e: e.before.rate, default=ab.effects[0])
        name = inputs_name(next(c for c in [*example.letter_like, *example.lone] if c.strokes == key.strokes))
        out.append(f"Zeroing the {len(ab.units)} lookalike units that fire on the text's strokes and vote {t} takes "
                   f"{name} from {pct(key.before.rate)} to {pct(key.after.rate)} called {t}; matched control sets "
                   f"leave {pct(key.activation_median)} ({pct(key.activation_as_far)} as far), or "
                   f"{pct(key.vote_median)} matched on vote too ({pct(key.vote_as_far)}).")
    else:
        out.append(f"No lookalike unit fires on the text's strokes and votes {t}: nothing to zero.")
    return out


def counts_line(counts: dict[str, int], blank_active: int) -> str:
    total = sum(counts.values())
    listed = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    dead = "none dead" if not counts.get("dead") else f"{counts['dead']} dead"
    return (f"{total} hidden units ({dead}): {listed}; {blank_active} fire on a blank page (the bias alone).")


def pair_line(pair, rank: int, of: int) -> str:
    a, b = pair.roles
    return (f"{pair.shared} units fire on both {a} and {b} (independence predicts {pair.expected:.1f}; p = "
            f"{pair.p_value:.2g}, rank {rank} of {of}): {'a lookalike pair in the data too' if pair.found else 'not a lookalike pair in the data'}.")


# ---------------------------------------------------------------- the experiments


def morph_title(result) -> str:
    """What the P(target) curve drawn does, from the curve itself."""
    curve = [p.mean for p in result.probabilities[result.target]]
    t = result.target
    start, end, low, high = curve[0], curve[-1], min(curve), max(curve)
    cross = result.crossing
    if cross.t is not None:
        interval = f" [{cross.low:.2f}-{cross.high:.2f}]" if cross.low is not None else ""
        return f"P({t}) {start:.2f} -> {end:.2f}, rises through 0.5 at t = {cross.t:.2f}{interval}"
    if low >= 0.5:
        return f"P({t}) {start:.2f} -> {end:.2f}, at or above 0.5 throughout"
    if high < 0.5:
        return f"P({t}) {start:.2f} -> {end:.2f}, below 0.5 throughout"
    return f"P({t}) {start:.2f} -> {end:.2f}, never rises through 0.5"


def morph_verdict(result) -> str:
    """The morph in one sentence: the curve, then patching against its controls, two-sided."""
    p = result.patching
    where = morph_title(result)
    if p.restored is None:
        return f"{result.name}: {where}; no unit fires on both strokes, so there is nothing shared to patch."
    control = p.random_units
    if control is None:
        side = "with no random control to compare"
    else:
        side = (f"above the {pct(control.low)} to {pct(control.high)} of random sets of as many units"
                if p.restored > control.high else
                f"below the {pct(control.low)} to {pct(control.high)} of random sets of as many units"
                if p.restored < control.low else
                f"within the {pct(control.low)} to {pct(control.high)} of random sets of as many units")
    vote = f" (same-vote sets: {pct(p.same_vote.mean)})" if p.same_vote else ""
    return (f"{result.name}: {where}; patching its {len(p.units)} shared unit(s) from the end into the start restores "
            f"{pct(p.restored)} of the {p.logit} logit change, {side}{vote}.")


def decay_verdicts(report) -> dict[str, str]:
    """One sentence per claim of the text about regularisation, from the paired intervals over seeds."""
    cells = report.cells
    sizes = sorted({c.size for c in cells})
    strengths = sorted({c.strength for c in cells if c.penalty == "l2" and c.strength > 0})
    if not strengths or not any(c.strength == 0 and c.penalty == "l2" for c in cells):
        return {"narrows": "needs decay 0 and a positive strength", "overfitting": "needs decay 0 and a positive strength"}
    top = strengths[-1]
    parts, fell = [], []
    for size in sizes:
        d = paired_difference(cells, "weight_norm_1", size, top)
        base = mean_interval([c.weight_norms[0] for c in cells if c.size == size and c.penalty == "l2" and c.strength == 0])
        fell.append(d.high < 0)
        parts.append(f"{size:,}: {base.mean:.1f} -> {base.mean + d.mean:.1f}")
    lead = "Holds" if all(fell) else "Partly" if any(fell) else "Not shown"
    narrows = f"{lead}: decay {top:g} against none, the first layer's weight norm per training size ({'; '.join(parts)})."
    phrases = []
    for measure, where in (("test_accuracy", "fresh glyphs"), ("handwriting_accuracy", "real handwriting")):
        if measure == "handwriting_accuracy" and all(c.handwriting_accuracy is None for c in cells):
            continue
        per_size = []
        for size in sizes:
            diffs = {s: paired_difference(cells, measure, size, s) for s in strengths}
            best = max(strengths, key=lambda s: diffs[s].mean)
            d = diffs[best]
            side = "up" if d.low > 0 else "down" if d.high < 0 else "no change distinguishable"
            per_size.append(f"{size:,} glyphs {best:g}: {100 * d.mean:+.1f} points [{100 * d.low:+.1f}, {100 * d.high:+.1f}], {side}")
        phrases.append(f"on {where}, the best strength per size against none: " + "; ".join(per_size))
    overfitting = "; ".join(phrases) + " (each size's best strength chosen after the fact: a generous test)."
    return {"narrows": narrows, "overfitting": overfitting}


def weight_decay_line(history: list, strength: float) -> str:
    """What the explicit L2 term did while this model trained, from its own curves."""
    if not history:
        return ""
    first, last = history[0], history[-1]
    norms = " -> ".join(f"{a:.1f}" for a in (first.weight_norms[0], last.weight_norms[0]))
    return (f"This model was trained with weight decay {strength:g}: the penalty was {last.penalty:.4f} of a total loss "
            f"of {last.total_loss:.4f} at the end, and the first layer's weight norm went {norms} over "
            f"{len(history)} epochs.")



def demo_note() -> str:
    """Under the demo's training line: its network is not the shipped one."""
    from ..config import SHIPPED
    return ("(a quick network of the demo's own, trained in seconds on few glyphs: the figures below are "
            f"its own. The shipped model, trained on {SHIPPED.count:,} glyphs, is the one `letters classify` "
            "and `letters analyze` use.)")
