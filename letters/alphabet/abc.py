"""The letters A, B and C as data: every way of writing each, as named strokes.

Each letter is a tuple of letterforms; each letterform uses exactly the letter's three named roles
(``A.left_diagonal``, ``B.upper_bowl``, ``C.top_curve``, ...). The text's confusions, the openings a hand
never shuts, and the morphs of `letters morph` are data here too. `ABC` is the alphabet letters ships.
"""

from __future__ import annotations

import math

from .geometry import Alphabet, Letterform, Morph, Piece, Point, arc, curve, line
from .nonletters import NON_LETTERS


def _a_form(name: str, bar: float, top: str = "pointed") -> Letterform:
    """A with its crossbar at height `bar` (0 = top, 1 = baseline)."""
    legs: tuple[Piece, ...]
    if top == "pointed":
        legs = (line("A.left_diagonal", (0.0, 1.0), (0.45, 0.0)),
                line("A.right_diagonal", (0.45, 0.0), (0.9, 1.0)))
        left_x, right_x = 0.45 * (1 - bar), 0.45 + 0.45 * bar
    elif top == "flat":
        legs = (line("A.left_diagonal", (0.0, 1.0), (0.33, 0.0)),
                line("A.right_diagonal", (0.33, 0.0), (0.57, 0.0)),
                line("A.right_diagonal", (0.57, 0.0), (0.9, 1.0)))
        left_x, right_x = 0.33 * (1 - bar), 0.57 + 0.33 * bar
    elif top == "script":  # handwriting: a long left stroke, an upright right one
        legs = (line("A.left_diagonal", (0.0, 1.0), (0.62, 0.0), bend=0.04),
                line("A.right_diagonal", (0.62, 0.0), (0.72, 1.0)))
        left_x, right_x = 0.62 * (1 - bar) - 0.12, 0.62 + 0.1 * bar + 0.08  # bar overshoots both legs
    elif top == "cursive":  # one sweep up and down, the bar carried on past both legs
        legs = (curve("A.left_diagonal", (0.02, 1.0), (0.15, 0.55), (0.4, 0.02), (0.55, 0.0)),
                curve("A.right_diagonal", (0.55, 0.0), (0.65, 0.1), (0.7, 0.6), (0.82, 1.0)))
        left_x, right_x = 0.0, 0.95
    elif top == "apart":  # legs that do not meet at the top
        legs = (line("A.left_diagonal", (0.0, 1.0), (0.4, 0.02)),
                line("A.right_diagonal", (0.52, 0.0), (0.9, 1.0)))
        left_x, right_x = 0.4 * (1 - bar), 0.52 + 0.38 * bar
    else:  # round-arched, as many people write it
        legs = (curve("A.left_diagonal", (0.0, 1.0), (0.02, 0.3), (0.18, 0.0), (0.45, 0.0)),
                curve("A.right_diagonal", (0.45, 0.0), (0.72, 0.0), (0.88, 0.3), (0.9, 1.0)))
        left_x, right_x = 0.02 + 0.1 * (1 - bar), 0.88 - 0.1 * (1 - bar)
    ornaments = (line("A.left_diagonal", (-0.1, 1.0), (0.14, 1.0), feature="serif"),
                 line("A.right_diagonal", (0.76, 1.0), (1.0, 1.0), feature="serif"),
                 line("A.left_diagonal", (0.3, 0.0), (0.45, 0.0), feature="entry"))
    tilt = 0.1 if top == "cursive" else 0.0  # a cursive bar rises to the right
    return Letterform(name, legs + (line("A.crossbar", (left_x, bar + tilt), (right_x, bar - tilt)),) + ornaments)


def _a_looped(name: str, bar: float, script: bool = False) -> Letterform:
    """A whose crossbar is written in one movement with a loop: back from the right leg, round
    the left leg and out across both, as many hands join the bar to the legs."""
    top = 0.62 if script else 0.45
    legs = (line("A.left_diagonal", (0.0, 1.0), (top, 0.0), bend=0.04 if script else 0.0),
            line("A.right_diagonal", (top, 0.0), (0.72 if script else 0.9, 1.0)))
    right = top + ((0.72 if script else 0.9) - top) * (bar - 0.08)  # where the bar leaves the right leg
    left = top * (1 - bar)  # the left leg at the bar's height
    return Letterform(name, legs + (
        curve("A.crossbar", (right, bar - 0.08), (left + 0.1, bar - 0.18), (left - 0.2, bar + 0.02), (left, bar + 0.12)),
        curve("A.crossbar", (left, bar + 0.12), (left + 0.12, bar + 0.22), (left + 0.2, bar), (right + 0.2, bar - 0.04)),
    ))


def _b_form(name: str, waist: float, gap: float, shape: str, one: bool = False, dip: float = 0.0) -> Letterform:
    """B with its bowls meeting at height `waist`, starting `gap` right of the spine; `one` starts the
    spine with a handwritten 1's flag, a short stroke rising from the left to its top; `dip` > 0 (round
    bowls) leaves the waist that far right of the spine: a hurried hand that never goes back to it."""
    x0 = 0.1 + gap
    xw = x0 + dip  # where the bowls meet
    spine: tuple[Piece, ...]
    bowls: tuple[Piece, ...]
    spine = (line("B.spine", (0.1, 0.0), (0.1, 1.0)),
             line("B.spine", (0.0, 0.0), (0.1, 0.0), feature="serif"),
             line("B.spine", (0.0, 1.0), (0.1, 1.0), feature="serif"),
             line("B.spine", (-0.25, 0.06), (0.1, 0.0), bend=-0.1, feature="entry"))
    if shape == "script":  # a swash lead-in rising to the top, bowls drawn in one loop, a tail at the foot
        spine = (line("B.spine", (0.2, 0.0), (0.05, 1.0), bend=0.03),
                 curve("B.spine", (-0.2, 0.3), (-0.15, 0.05), (0.05, -0.02), (0.2, 0.0), feature="entry"),
                 line("B.spine", (0.05, 1.0), (-0.12, 0.94), feature="serif"))
        bowls = (curve("B.upper_bowl", (0.2, 0.0), (0.85, -0.05), (0.8, waist), (0.15, waist)),
                 curve("B.lower_bowl", (0.15, waist), (1.0, waist - 0.02), (0.95, 1.05), (0.05, 1.0)))
    elif shape in ("round", "flag"):
        if shape == "flag":  # the pen starts well left of the spine, runs along the top into the upper bowl
            spine = (line("B.spine", (0.1, 0.0), (0.1, 1.0)), line("B.spine", (-0.3, 0.03), (0.1, 0.0), bend=-0.03))
        bowls = (curve("B.upper_bowl", (x0, 0.0), (0.78, -0.03), (0.78 + dip / 2, waist), (xw, waist)),
                 curve("B.lower_bowl", (xw, waist), (1.0 + dip / 2, waist - 0.02), (1.0, 1.03), (x0, 1.0)))
    elif shape == "pointed":  # bowls as two wedges, like a hurried 3 against the spine
        bowls = (line("B.upper_bowl", (x0, 0.0), (0.62, waist * 0.45), bend=-0.05),
                 line("B.upper_bowl", (0.62, waist * 0.45), (x0, waist), bend=-0.05),
                 line("B.lower_bowl", (x0, waist), (0.8, waist + (1 - waist) * 0.5), bend=-0.05),
                 line("B.lower_bowl", (0.8, waist + (1 - waist) * 0.5), (x0, 1.0), bend=-0.05))
    elif shape == "stroke":  # one movement: down the spine, back up, then both bowls without lifting the pen
        spine = (line("B.spine", (0.1, 0.0), (0.1, 1.0)), line("B.spine", (0.1, 1.0), (0.13, 0.02), bend=0.02))
        bowls = (curve("B.upper_bowl", (0.13, 0.02), (0.9, -0.1), (0.85, waist + 0.02), (0.1, waist)),
                 curve("B.lower_bowl", (0.1, waist), (1.05, waist - 0.08), (1.05, 1.12), (0.05, 0.98)))
    elif shape == "open-foot":  # the lower bowl swings back but stops short of the spine, like an R's leg
        bowls = (curve("B.upper_bowl", (x0, 0.0), (0.8, -0.04), (0.8, waist), (x0, waist)),
                 curve("B.lower_bowl", (x0, waist), (1.02, waist - 0.02), (1.0, 1.08), (0.38, 0.97)))
    elif shape == "looped":  # up the spine, a loop over its top, then the bowls: a cursive hand's B
        spine = (line("B.spine", (0.1, 1.0), (0.14, 0.0)),
                 curve("B.spine", (0.14, 0.0), (0.2, -0.12), (-0.1, -0.12), (0.0, 0.08)))
        bowls = (curve("B.upper_bowl", (0.0, 0.08), (0.9, -0.12), (0.85, waist), (0.12, waist)),
                 curve("B.lower_bowl", (0.12, waist), (1.0, waist - 0.04), (1.0, 1.08), (0.08, 0.98)))
    elif shape == "three":  # the bowls as a 3 written beside the spine: pointed waist, round lobes
        bowls = (curve("B.upper_bowl", (x0, 0.02), (0.75, -0.12), (0.85, waist - 0.05), (x0 + 0.12, waist)),
                 curve("B.lower_bowl", (x0 + 0.12, waist), (1.0, waist - 0.05), (1.0, 1.1), (x0, 0.97)))
    else:  # "D": straight arms into round ends, as printed faces draw it
        u, w = 0.42, 0.5
        r_up, r_lo = waist / 2, (1 - waist) / 2
        bowls = (line("B.upper_bowl", (x0, 0.0), (u, 0.0)),
                 arc("B.upper_bowl", u, r_up, 0.24, r_up, -90, 0),
                 arc("B.upper_bowl", u, r_up, 0.24, r_up, 0, 90),
                 line("B.upper_bowl", (u, waist), (x0, waist)),
                 line("B.lower_bowl", (x0, waist), (w, waist)),
                 arc("B.lower_bowl", w, waist + r_lo, 0.34, r_lo, -90, 0),
                 arc("B.lower_bowl", w, waist + r_lo, 0.34, r_lo, 0, 90),
                 line("B.lower_bowl", (w, 1.0), (x0, 1.0)))
    if one:  # the flag and the spine's top make an apex like an A's: what tips a "13" to A
        spine += (line("B.spine", (-0.12, 0.2), (0.1, 0.0), bend=0.03),)
    return Letterform(name, spine + bowls)


def _c_form(name: str, rx: float, aperture: float, bend: float, low: float | None = None) -> Letterform:
    """C as an open arc: `aperture` is the angle in degrees from the right of the opening's top
    edge, `low` that of its bottom edge (default: the same, a symmetric opening)."""
    cx, cy, ry = 0.5, 0.5, 0.5
    seam = 145.0  # where the curves hand over to the left line, degrees
    low = aperture if low is None else low
    top_end = (cx + rx * math.cos(math.radians(-aperture)), cy + ry * math.sin(math.radians(-aperture)))
    bottom_end = (cx + rx * math.cos(math.radians(low)), cy + ry * math.sin(math.radians(low)))
    upper = (cx + rx * math.cos(math.radians(-seam)), cy + ry * math.sin(math.radians(-seam)))
    lower = (upper[0], 2 * cy - upper[1])
    return Letterform(name, (
        arc("C.top_curve", cx, cy, rx, ry, -aperture, -seam),
        line("C.left_line", upper, lower, bend=bend),
        arc("C.bottom_curve", cx, cy, rx, ry, seam, low),
        curve("C.top_curve", top_end, (top_end[0] + 0.09, top_end[1] + 0.06),
              (top_end[0] + 0.03, top_end[1] + 0.18), (top_end[0] - 0.06, top_end[1] + 0.11), feature="curl"),
        line("C.bottom_curve", bottom_end, (bottom_end[0], bottom_end[1] - 0.12), feature="curl"),
        line("C.top_curve", top_end, (top_end[0] + 0.02, top_end[1] + 0.12), feature="serif"),
        curve("C.top_curve", top_end, (top_end[0] - 0.02, top_end[1] + 0.22),  # a script C's entry loop
              (top_end[0] - 0.3, top_end[1] + 0.2), (top_end[0] - 0.22, top_end[1] - 0.02), feature="entry"),
    ))


def _c_lines(name: str, top: Point, corner_top: Point, corner_bottom: Point, bottom: Point,
             round_corners: float = 0.0) -> Letterform:
    """A C drawn as (nearly) three straight moves: a flat or angular C, as hurried hands write it.
    `round_corners` rounds each turn by that fraction of the arm, bending the arms into curves."""
    r = round_corners
    return Letterform(name, (
        curve("C.top_curve", top, (top[0] + (corner_top[0] - top[0]) * (1 - r), top[1] + (corner_top[1] - top[1]) * (1 - r)),
              (corner_top[0], corner_top[1] + r * 0.2), (corner_top[0] + r * 0.02, corner_top[1] + r * 0.25)),
        line("C.left_line", (corner_top[0] + r * 0.02, corner_top[1] + r * 0.25),
             (corner_bottom[0] + r * 0.02, corner_bottom[1] - r * 0.25), bend=0.03),
        curve("C.bottom_curve", (corner_bottom[0] + r * 0.02, corner_bottom[1] - r * 0.25),
              (corner_bottom[0], corner_bottom[1] - r * 0.2),
              (bottom[0] + (corner_bottom[0] - bottom[0]) * (1 - r), bottom[1] + (corner_bottom[1] - bottom[1]) * (1 - r)),
              bottom),
    ))


def _bare(form: Letterform) -> Letterform:
    """`form` without its optional ornaments: a C's curl, serif and entry loop are placed for an arm
    that ends on the right, and on a short top arm they would hang inside the letter like a G's bar."""
    return Letterform(form.name, tuple(p for p in form.pieces if p.feature is None))


def _c_hooked(name: str, rx: float, aperture: float) -> Letterform:
    """A round C whose top end turns down and back in, as a quick hand finishes it."""
    base = _c_form(name, rx, aperture, 0.06)
    cx, cy = 0.5, 0.5
    x, y = cx + rx * math.cos(math.radians(-aperture)), cy + 0.5 * math.sin(math.radians(-aperture))
    hook = curve("C.top_curve", (x, y), (x + 0.06, y + 0.12), (x - 0.05, y + 0.24), (x - 0.16, y + 0.14))
    return Letterform(name, _bare(base).pieces + (hook,))


def _c_looped(name: str, rx: float, aperture: float) -> Letterform:
    """A round C begun with a small loop at its top end, as a cursive hand enters it."""
    base = _c_form(name, rx, aperture, 0.06)
    entry = next(p for p in base.pieces if p.feature == "entry")
    return Letterform(name, _bare(base).pieces + (Piece(entry.role, entry.kind, entry.controls),))


_COPPERPLATE_C = Letterform("copperplate", (  # a calligraphic C: a loop at the top, a long leaning stroke down
    curve("C.top_curve", (0.95, 0.25), (0.85, -0.05), (0.45, -0.05), (0.35, 0.15)),
    curve("C.top_curve", (0.35, 0.15), (0.3, 0.32), (0.58, 0.3), (0.5, 0.08)),
    line("C.left_line", (0.5, 0.08), (0.05, 0.65), bend=0.08),
    curve("C.bottom_curve", (0.05, 0.65), (0.0, 1.05), (0.6, 1.05), (0.9, 0.75)),
))

# The letter templates. Each letterform still uses exactly the letter's named roles.
TEMPLATES: dict[str, tuple[Letterform, ...]] = {
    "A": (
        _a_form("pointed", 0.62), _a_form("pointed-high-bar", 0.5), _a_form("pointed-low-bar", 0.72),
        _a_form("flat", 0.62, "flat"), _a_form("flat-low-bar", 0.7, "flat"),
        _a_form("round", 0.55, "round"), _a_form("round-high-bar", 0.45, "round"),
        _a_form("script", 0.6, "script"), _a_form("script-low-bar", 0.68, "script"),
        _a_form("cursive", 0.62, "cursive"), _a_form("apart", 0.6, "apart"),
        _a_form("pointed-very-low-bar", 0.8), _a_form("round-low-bar", 0.7, "round"),
        _a_looped("looped-bar", 0.62), _a_looped("looped-script", 0.6, script=True),
    ),
    "B": (
        _b_form("round", 0.46, 0.0, "round"), _b_form("round-open", 0.45, 0.08, "round"),
        _b_form("round-small-top", 0.38, 0.0, "round"), _b_form("printed", 0.47, 0.0, "D"),
        _b_form("printed-small-top", 0.42, 0.0, "D"), _b_form("printed-open", 0.47, 0.07, "D"),
        _b_form("script", 0.45, 0.0, "script"),
        _b_form("detached", 0.46, 0.14, "round"), _b_form("overshooting", 0.47, -0.09, "round"),
        _b_form("big-top", 0.56, 0.0, "round"), _b_form("pointed", 0.46, 0.02, "pointed"),
        _b_form("one-stroke", 0.47, 0.0, "stroke"), _b_form("open-foot", 0.46, 0.0, "open-foot"),
        _b_form("three", 0.47, 0.1, "three"), _b_form("looped", 0.47, 0.0, "looped"),
        _b_form("thirteen", 0.47, 0.22, "three"),  # the 3 well clear of the spine: B read as "13" is a classic
        _b_form("flag", 0.47, 0.0, "flag"),
        _b_form("one-three", 0.47, 0.2, "three", one=True), _b_form("one-round", 0.46, 0.04, "round", one=True),
        _b_form("shallow-waist", 0.47, 0.0, "round", dip=0.3),  # bowls joined a third of the way out: a narrow B nearly an 0
    ),
    "C": (
        _c_form("round", 0.45, 45, 0.06), _c_form("narrow", 0.36, 45, 0.05),
        _c_form("open", 0.45, 62, 0.06), _c_form("closed", 0.47, 30, 0.07),
        _c_form("wide", 0.55, 50, 0.05), _COPPERPLATE_C,
        _c_form("nearly-closed", 0.47, 18, 0.07),
        _bare(_c_form("short-top", 0.45, 85, 0.05, low=30)), _bare(_c_form("short-top-narrow", 0.3, 80, 0.05, low=40)),
        _c_hooked("hooked", 0.45, 40), _c_looped("looped", 0.45, 42),
        _c_lines("flat-bottom", (0.75, 0.08), (0.18, 0.1), (0.05, 0.95), (1.0, 0.98), 0.5),
        _c_lines("angular", (0.9, 0.05), (0.12, 0.02), (0.08, 0.98), (0.92, 1.0), 0.15),
        _c_lines("pointed", (0.9, 0.0), (0.05, 0.48), (0.05, 0.52), (0.9, 1.0), 0.3),
    ),
}


# Openings a hand may narrow but never shut: two roles whose ink keeps paper between them, away from
# the third, the stroke that joins them. A C whose heavy pen or overshoot closes it is an O, and
# would teach the network (and the none-of-the-letters detector's calibration) that a ring is a C.
OPENINGS: dict[str, tuple[str, str, str]] = {"C": ("C.top_curve", "C.bottom_curve", "C.left_line")}

# The text's confusions: strokes of another letter that look like one of C's.
LOOKALIKES: tuple[tuple[str, str], ...] = (("C.top_curve", "B.upper_bowl"), ("C.left_line", "A.left_diagonal"))

# Continuous morphs for `letters morph`: one letterform into another, some roles' pieces moving
# into a lookalike's. Each pair is (start role, end role, reversed): `reversed` runs the end piece
# backwards so its ends meet the start piece's ends (a bowl opens rather than turning inside out).
# The morphing roles must each be one piece of the same kind in both letterforms.
MORPHS: tuple[Morph, ...] = (
    Morph("B.upper_bowl->C.top_curve", ("B", "round"), ("C", "round"), (("B.upper_bowl", "C.top_curve", True),)),
    Morph("A.left_diagonal->C.left_line", ("A", "pointed"), ("C", "round"), (("A.left_diagonal", "C.left_line", True),)),
    Morph("B.spine->C.left_line", ("B", "round"), ("C", "round"), (("B.spine", "C.left_line", False),)),
    Morph("B->C", ("B", "round"), ("C", "round"), (("B.spine", "C.left_line", False),
                                                   ("B.upper_bowl", "C.top_curve", True),
                                                   ("B.lower_bowl", "C.bottom_curve", True)), whole=True),
)

# Characters drawn without a cursive ligature. A C's is its bottom curve carried on up, a B's lower bowl
# without the spine: on 100,000 glyphs it taught B's to read as C (scanned B's 96.6% -> 94.9%),
# while joined C's read right without it (98%; scripts/recapture.py, README).
NO_EXIT = ("C",)


ABC = Alphabet(TEMPLATES, LOOKALIKES, MORPHS, OPENINGS, NO_EXIT, NON_LETTERS)
