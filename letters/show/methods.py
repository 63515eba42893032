"""`letters methods` in words, a table and a picture: which attribution methods find the strokes.

The verdicts are computed here from the study's numbers: a method beats the baselines on a measure
when its interval lies wholly above every baseline's; it fails the randomisation check when the study
says its map barely changed once every layer was random. The answer comes first, at 80 columns.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from PIL import Image

from ..alphabet import ROLES, letter_roles
from ..study.methods import Examples, MethodScore, MethodsReport, fails_randomisation, stroke_sums
from ..study.stats import Interval, Rate
from .pictures import SERIES, gray_tile, save_image, titled_grid, weight_tile
from .tables import Column, ResultTable

COLOURS = ("blue", "red", "green", "orange", "purple", "brown")  # the names of pictures.SERIES, for captions
SHORT = {"input x gradient": "input x grad", "integrated gradients": "integ. grads", "gradient SHAP": "grad. SHAP"}


def short(name: str) -> str:
    return SHORT.get(name, name)


def rho(value: float) -> str:
    """A correlation in two decimals without the leading zero: .56, -.02, 1.00."""
    text = f"{value:.2f}".replace("-0.00", "0.00")
    return text.replace("0.", ".", 1) if text.lstrip("-").startswith("0.") else text


def rho_interval(i: Interval) -> str:
    return f"{rho(i.mean)} [{rho(i.low)},{rho(i.high)}]"


def share_interval(i: Interval) -> str:
    return f"{100 * i.mean:.0f} [{100 * i.low:.0f}-{100 * i.high:.0f}]"


def listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def beats(value: Interval | Rate, against: list) -> bool:
    """Wholly above every baseline: its low end over each baseline's high end."""
    return all(value.low > other.high for other in against)


def _split(report: MethodsReport) -> tuple[list[MethodScore], list[MethodScore]]:
    return [s for s in report.methods if not s.baseline], [s for s in report.methods if s.baseline]


def _where(report: MethodsReport) -> str:
    methods, plain = _split(report)
    both = [s.name for s in methods if beats(s.mass_on_strokes, [b.mass_on_strokes for b in plain])
            and beats(s.ink_rho, [b.ink_rho for b in plain])]
    if both:
        return f"Where: {listed(both)} beat every baseline, on the mass on the strokes and the rank with the ink."
    best = max(plain, key=lambda b: (b.mass_on_strokes.mean, b.ink_rho.mean))
    tied = [s.name for s in methods if s.mass_on_strokes.high >= best.mass_on_strokes.low]
    return (f"Where: no method beats every baseline: the {best.name} puts {100 * best.mass_on_strokes.mean:.0f}% "
            f"of its mass on the strokes (rank with the ink {rho(best.ink_rho.mean)})"
            + (f"; {listed(tied)} match it." if tied else "."))


def _which(won: list[MethodScore], methods: list[MethodScore]) -> str:
    """The methods that won, or, when most did, every method but those that did not."""
    if len(won) == len(methods):
        return "every method"
    if 2 * len(won) > len(methods):
        return "every method but " + listed([s.name for s in methods if s not in won])
    return listed([s.name for s in won])


def _verb(who: str, won: list, singular: str, plural: str) -> str:
    """`who` with its verb: "every method ... ranks", one method ranks, two methods rank."""
    return f"{who} {singular if len(won) == 1 or who.startswith('every method') else plural}"


def _matters(report: MethodsReport) -> str:
    methods, plain = _split(report)
    best = max(plain, key=lambda b: b.stroke_rho.mean)
    won = [s for s in methods if beats(s.stroke_rho, [b.stroke_rho for b in plain])]
    if not won:
        return (f"What matters: no method ranks the strokes as deleting them does better than every baseline "
                f"(the {best.name}, {rho(best.stroke_rho.mean)}).")
    top = max(won, key=lambda s: s.stroke_rho.mean)
    return (f"What matters: {_verb(_which(won, methods), won, 'ranks', 'rank')} the strokes as deleting them "
            f"does better than every baseline (the {best.name}, {rho(best.stroke_rho.mean)})"
            + (f"; best: {top.name}, {rho(top.stroke_rho.mean)}." if len(won) > 1 else f": {rho(top.stroke_rho.mean)}."))


def _randomisation(report: MethodsReport) -> list[str]:
    methods, plain = _split(report)
    failed = [s.name for s in methods if fails_randomisation(s.randomised)]
    fakes = [s.name for s in plain if fails_randomisation(s.randomised)]
    first = (f"{listed(failed)} {'fails' if len(failed) == 1 else 'fail'} the randomisation check: "
             "{'its' if len(failed) == 1 else 'their'} maps barely change with every layer random" if failed
             else "Every method passes the randomisation check")
    lines = [first + (f"; the {listed(fakes)} fail it, as maps that ignore the weights must." if fakes else ".")]
    input_led = [s.name for s in methods if s.name not in failed and s.randomised
                 and s.randomised[-1].absolute.mean >= report.fails_at]
    if input_led:
        lines.append(f"But the |maps| of {listed(input_led)} barely change: their mass on the ink is the input's doing.")
    return lines


def _misreads(report: MethodsReport) -> str:
    methods, plain = _split(report)
    n = methods[0].misread_culprit.n if methods else 0
    if n == 0:
        return f"No letter with a stroke left out is read as {report.target}: no misread to explain."
    won = [s for s in methods if beats(s.misread_culprit, [b.misread_culprit for b in plain])]
    chance = max(plain, key=lambda b: b.misread_culprit.rate)
    top = max(methods, key=lambda s: s.misread_culprit.rate)
    who = _verb(_which(won, methods), won, "puts", "put") if won else "no method puts"
    return (f"Misreads ({n} letters with a stroke left out, read as {report.target}): {who} the largest stroke "
            f"sum on the stroke whose deletion costs {report.target} most more often than every baseline (the "
            f"{chance.name}, {100 * chance.misread_culprit.rate:.0f}%); best: {top.name}, "
            f"{100 * top.misread_culprit.rate:.0f}%.")


def verdict_lines(report: MethodsReport) -> list[str]:
    """The answer, one sentence a truth and a check: unwrapped."""
    return [_where(report), _matters(report), *_randomisation(report), _misreads(report)]


def methods_table(report: MethodsReport) -> ResultTable:
    """Every method and baseline on both truths, the randomisation check and the misreads."""
    return ResultTable([
        Column("method", lambda s: short(s.name)),
        Column("mass on the strokes, % [95%]", lambda s: share_interval(s.mass_on_strokes), short="mass %"),
        Column("rank with the ink, rho [95%]", lambda s: rho_interval(s.ink_rho), short="ink rho"),
        Column("rank with the deletions, rho [95%]", lambda s: rho_interval(s.stroke_rho), short="stroke rho"),
        Column("top stroke is the deletion's, %", lambda s: f"{100 * s.top_stroke.rate:.0f}", terminal=False),
        Column("rho with every layer random", lambda s: rho(s.randomised[-1].signed.mean) if s.randomised else "-",
               short="random"),
        Column("|map| rho with every layer random", lambda s: rho(s.randomised[-1].absolute.mean) if s.randomised else "-",
               terminal=False),
        Column("misreads: largest on the culprit, %", lambda s: f"{100 * s.misread_culprit.rate:.0f}", short="culprit"),
        Column("misreads: largest on the text's lookalike, %", lambda s: f"{100 * s.misread_lookalike.rate:.0f}",
               terminal=False),
    ], list(report.methods))


LEGEND = ("[95%]: bootstrap over glyphs; stroke rho: stroke sums vs deletions' logit drops; random: rho with "
          "the maps once every layer is random; culprit: % of misreads.")


def methods_output(report: MethodsReport, width: int = 80) -> list:
    """The terminal's lines and table, answer first."""
    from .tables import terminal_table

    wrap = lambda text: textwrap.fill(text, width=width, subsequent_indent="  ", break_on_hyphens=False)  # noqa: E731
    head = (f"On {report.read_right} of {report.total} glyphs read right ({report.glyphs} of each letter, seed "
            f"{report.seed}). {LEGEND}")
    return [*[wrap(line) for line in verdict_lines(report)], "", terminal_table(methods_table(report)), wrap(head)]


def _owner_tile(owners, letter: str, zoom: int = 4) -> Image.Image:
    """The glyph's pixels coloured by the stroke that made them, in its letter's stroke order."""
    colours = {ROLES.index(r) + 1: SERIES[k] for k, r in enumerate(letter_roles(letter))}
    tile = Image.new("RGB", (28, 28))
    tile.putdata([colours.get(int(v), (255, 255, 255)) for v in owners.flatten().tolist()])
    return tile.resize((28 * zoom, 28 * zoom), Image.Resampling.NEAREST)


def methods_picture(examples: Examples) -> Image.Image:
    """One glyph of each letter: the glyph with the stroke whose deletion costs its answer most, its strokes,
    and every method's map (red for the answer, blue against) with the stroke its largest stroke sum is on."""
    tiles, titles = [], []
    for k, letter in enumerate(examples.letters):
        roles = letter_roles(letter)
        tiles += [gray_tile(examples.images[k].flatten().tolist(), zoom=4), _owner_tile(examples.owners[k], letter)]
        titles += [[f"{letter}: the glyph", "deleting costs most:", examples.costliest[k].split(".")[1]],
                   [f"{COLOURS[i]}: {r.split('.')[1]}" for i, r in enumerate(roles)]]
        for name, maps in examples.maps.items():
            sums = stroke_sums(maps[k:k + 1], examples.owners[k:k + 1], roles)[0]
            tiles.append(weight_tile(maps[k].tolist(), zoom=4))
            titles.append([short(name), "top: " + roles[int(sums.argmax())].split(".")[1]])
    return titled_grid(tiles, titles, columns=2 + len(examples.maps))


def write_methods_picture(out: Path, examples: Examples) -> dict[str, str]:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "methods.png"
    save_image(methods_picture(examples), path)
    return {"methods.png": str(path)}
