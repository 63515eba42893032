"""Stroke templates: the letters A, B and C as data.

A letter is a list of letterforms; a letterform is a list of pieces; each piece is a
line or a curve in a unit box (x right, y down, letter height 0..1) and belongs to one
named role such as ``C.top_curve``. Every piece is stored as the four control points
of a cubic Bezier, so the generator treats lines and curves alike. Adding a letter
means adding a template below, not code.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True)
class Piece:
    role: str  # "LETTER.role"; every pixel the piece draws is owned by this role
    kind: str  # "line" or "curve": lines get less inner jitter so they stay straight
    controls: tuple[Point, Point, Point, Point]  # cubic Bezier control points, unit box
    feature: str | None = None  # optional ornament ("serif", "curl", "entry", "exit"); drawn only when sampled on


@dataclass(frozen=True)
class Letterform:
    name: str  # e.g. "pointed", shown in the generator's parameters
    pieces: tuple[Piece, ...]


def line(role: str, p0: Point, p1: Point, bend: float = 0.0, feature: str | None = None) -> Piece:
    """A straight line, or a slightly bent one: `bend` bulges its middle by that
    fraction of its length, to the left of the direction p0 -> p1 (in image coords)."""
    dx, dy = p1[0] - p0[0], p1[1] - p0[1]
    length = math.hypot(dx, dy) or 1.0
    nx, ny = dy / length, -dx / length  # left normal with y pointing down
    offset = bend * length * 4.0 / 3.0  # a cubic's midpoint moves 3/4 of its inner-control offset
    c1 = (p0[0] + dx / 3 + nx * offset, p0[1] + dy / 3 + ny * offset)
    c2 = (p0[0] + 2 * dx / 3 + nx * offset, p0[1] + 2 * dy / 3 + ny * offset)
    return Piece(role, "line", (p0, c1, c2, p1), feature)


def curve(role: str, p0: Point, c1: Point, c2: Point, p1: Point, feature: str | None = None) -> Piece:
    """A cubic Bezier curve through p0 and p1."""
    return Piece(role, "curve", (p0, c1, c2, p1), feature)


def arc(role: str, cx: float, cy: float, rx: float, ry: float, deg0: float, deg1: float,
        feature: str | None = None) -> Piece:
    """An elliptic arc from angle deg0 to deg1 (degrees, 0 = right, 90 = down),
    stored as its standard cubic Bezier approximation (good to 0.1% up to 120 degrees)."""
    a0, a1 = math.radians(deg0), math.radians(deg1)
    k = 4.0 / 3.0 * math.tan((a1 - a0) / 4.0)
    p0 = (cx + rx * math.cos(a0), cy + ry * math.sin(a0))
    p1 = (cx + rx * math.cos(a1), cy + ry * math.sin(a1))
    c1 = (p0[0] - k * rx * math.sin(a0), p0[1] + k * ry * math.cos(a0))
    c2 = (p1[0] + k * rx * math.sin(a1), p1[1] - k * ry * math.cos(a1))
    return Piece(role, "curve", (p0, c1, c2, p1), feature)


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

def _shape(name: str, *pieces: tuple, form: str | None = None) -> Letterform:
    """A non-letter drawn from the same vocabulary of lines and curves; one role owns all of it.
    `form` names a second way of writing the same character (the role stays the character's)."""
    role = f"{name}.stroke"
    made = []
    for kind, *points in pieces:
        made.append(line(role, *points) if kind == "line" else curve(role, *points) if kind == "curve"
                    else arc(role, *points))
    # printed serifs where a line ends on the top or the baseline, drawn as often as the letters'
    # own: a near miss without them would teach the detector that a serif means "a letter"
    stems = [points[:2] for kind, *points in pieces
             if kind == "line" and abs(points[1][1] - points[0][1]) > abs(points[1][0] - points[0][0])]
    ends = dict.fromkeys((round(x, 3), y) for stem in stems for x, y in stem if y <= 0.02 or y >= 0.98)
    serifs = tuple(line(role, (x - 0.1, y), (x + 0.1, y), feature="serif") for x, y in ends)
    return Letterform(form or name, tuple(made) + serifs)


_L, _C, _R = "line", "curve", "arc"
# Near misses: other letters, digits and shapes drawn with the same strokes, for teaching the
# network's companion detector what is none of A, B and C. Never used as a class.
_FIRST_FORMS: dict[str, Letterform] = {
    "D": _shape("D", (_L, (0.1, 0.0), (0.1, 1.0)), (_C, (0.1, 0.0), (0.95, -0.02), (0.95, 1.02), (0.1, 1.0))),
    "E": _shape("E", (_L, (0.1, 0.0), (0.1, 1.0)), (_L, (0.1, 0.0), (0.8, 0.0)), (_L, (0.1, 0.5), (0.65, 0.5)),
                (_L, (0.1, 1.0), (0.8, 1.0))),
    "F": _shape("F", (_L, (0.1, 0.0), (0.1, 1.0)), (_L, (0.1, 0.0), (0.8, 0.0)), (_L, (0.1, 0.5), (0.65, 0.5))),
    "G": _shape("G", (_R, 0.5, 0.5, 0.45, 0.5, -45, -160), (_R, 0.5, 0.5, 0.45, 0.5, -160, -270),
                (_R, 0.5, 0.5, 0.45, 0.5, 90, 20), (_L, (0.92, 0.67), (0.92, 0.52)), (_L, (0.92, 0.52), (0.6, 0.52))),
    "H": _shape("H", (_L, (0.1, 0.0), (0.1, 1.0)), (_L, (0.8, 0.0), (0.8, 1.0)), (_L, (0.1, 0.5), (0.8, 0.5))),
    "I": _shape("I", (_L, (0.5, 0.0), (0.5, 1.0)), (_L, (0.25, 0.0), (0.75, 0.0)), (_L, (0.25, 1.0), (0.75, 1.0))),
    "J": _shape("J", (_L, (0.75, 0.0), (0.75, 0.7)), (_C, (0.75, 0.7), (0.75, 1.08), (0.15, 1.08), (0.1, 0.72))),
    "K": _shape("K", (_L, (0.1, 0.0), (0.1, 1.0)), (_L, (0.8, 0.0), (0.1, 0.6)), (_L, (0.32, 0.42), (0.85, 1.0))),
    "L": _shape("L", (_L, (0.15, 0.0), (0.15, 1.0)), (_L, (0.15, 1.0), (0.8, 1.0))),
    "M": _shape("M", (_L, (0.0, 1.0), (0.1, 0.0)), (_L, (0.1, 0.0), (0.5, 0.7)), (_L, (0.5, 0.7), (0.9, 0.0)),
                (_L, (0.9, 0.0), (1.0, 1.0))),
    "N": _shape("N", (_L, (0.1, 1.0), (0.1, 0.0)), (_L, (0.1, 0.0), (0.85, 1.0)), (_L, (0.85, 1.0), (0.85, 0.0))),
    "O": _shape("O", (_R, 0.5, 0.5, 0.45, 0.5, 0, 120), (_R, 0.5, 0.5, 0.45, 0.5, 120, 240),
                (_R, 0.5, 0.5, 0.45, 0.5, 240, 360)),
    "P": _shape("P", (_L, (0.1, 0.0), (0.1, 1.0)), (_C, (0.1, 0.0), (0.85, -0.02), (0.85, 0.52), (0.1, 0.5))),
    "Q": _shape("Q", (_R, 0.5, 0.5, 0.45, 0.5, 0, 120), (_R, 0.5, 0.5, 0.45, 0.5, 120, 240),
                (_R, 0.5, 0.5, 0.45, 0.5, 240, 360), (_L, (0.6, 0.72), (0.95, 1.05))),
    "R": _shape("R", (_L, (0.1, 0.0), (0.1, 1.0)), (_C, (0.1, 0.0), (0.85, -0.02), (0.85, 0.52), (0.1, 0.5)),
                (_L, (0.35, 0.5), (0.85, 1.0))),
    "S": _shape("S", (_C, (0.85, 0.12), (0.6, -0.1), (0.0, 0.0), (0.2, 0.35)),
                (_C, (0.2, 0.35), (0.35, 0.55), (1.0, 0.5), (0.8, 0.85)), (_C, (0.8, 0.85), (0.6, 1.1), (0.15, 1.0), (0.05, 0.85))),
    "T": _shape("T", (_L, (0.0, 0.0), (0.9, 0.0)), (_L, (0.45, 0.0), (0.45, 1.0))),
    "U": _shape("U", (_C, (0.05, 0.0), (0.0, 1.3), (0.9, 1.3), (0.85, 0.0))),
    "V": _shape("V", (_L, (0.0, 0.0), (0.45, 1.0)), (_L, (0.45, 1.0), (0.9, 0.0))),
    "W": _shape("W", (_L, (0.0, 0.0), (0.25, 1.0)), (_L, (0.25, 1.0), (0.5, 0.35)), (_L, (0.5, 0.35), (0.75, 1.0)),
                (_L, (0.75, 1.0), (1.0, 0.0))),
    "X": _shape("X", (_L, (0.0, 0.0), (0.85, 1.0)), (_L, (0.85, 0.0), (0.0, 1.0))),
    "Y": _shape("Y", (_L, (0.0, 0.0), (0.45, 0.5)), (_L, (0.9, 0.0), (0.45, 0.5)), (_L, (0.45, 0.5), (0.45, 1.0))),
    "Z": _shape("Z", (_L, (0.0, 0.0), (0.85, 0.0)), (_L, (0.85, 0.0), (0.0, 1.0)), (_L, (0.0, 1.0), (0.85, 1.0))),
    "0": _shape("0", (_R, 0.5, 0.5, 0.3, 0.5, -90, 30), (_R, 0.5, 0.5, 0.3, 0.5, 30, 150),
                (_R, 0.5, 0.5, 0.3, 0.5, 150, 270)),
    "1": _shape("1", (_L, (0.2, 0.25), (0.55, 0.0)), (_L, (0.55, 0.0), (0.55, 1.0))),
    "2": _shape("2", (_C, (0.1, 0.2), (0.3, -0.1), (0.95, 0.0), (0.7, 0.45)), (_L, (0.7, 0.45), (0.05, 1.0)),
                (_L, (0.05, 1.0), (0.9, 1.0))),
    "3": _shape("3", (_C, (0.1, 0.08), (0.6, -0.1), (1.0, 0.4), (0.35, 0.48)),
                (_C, (0.35, 0.48), (1.05, 0.5), (0.8, 1.15), (0.05, 0.92))),
    "4": _shape("4", (_L, (0.65, 0.0), (0.0, 0.7)), (_L, (0.0, 0.7), (0.9, 0.7)), (_L, (0.65, 0.0), (0.65, 1.0))),
    "5": _shape("5", (_L, (0.85, 0.0), (0.2, 0.0)), (_L, (0.2, 0.0), (0.12, 0.45)),
                (_C, (0.12, 0.45), (0.9, 0.2), (1.05, 1.05), (0.05, 0.92))),
    "6": _shape("6", (_C, (0.8, 0.05), (0.3, -0.1), (-0.05, 0.6), (0.3, 0.95)),
                (_R, 0.45, 0.72, 0.35, 0.28, 135, 315), (_R, 0.45, 0.72, 0.35, 0.28, -45, 135)),
    "7": _shape("7", (_L, (0.0, 0.0), (0.85, 0.0)), (_L, (0.85, 0.0), (0.3, 1.0))),
    "8": _shape("8", (_R, 0.45, 0.25, 0.3, 0.25, 0, 180), (_R, 0.45, 0.25, 0.3, 0.25, 180, 360),
                (_R, 0.45, 0.73, 0.38, 0.27, 0, 180), (_R, 0.45, 0.73, 0.38, 0.27, 180, 360)),
    "9": _shape("9", (_R, 0.5, 0.28, 0.35, 0.28, 0, 120), (_R, 0.5, 0.28, 0.35, 0.28, 120, 240),
                (_R, 0.5, 0.28, 0.35, 0.28, 240, 360), (_C, (0.85, 0.28), (0.85, 0.7), (0.7, 1.0), (0.3, 1.0))),
    "a": _shape("a", (_R, 0.4, 0.65, 0.35, 0.35, -60, 40), (_R, 0.4, 0.65, 0.35, 0.35, 40, 160),
                (_R, 0.4, 0.65, 0.35, 0.35, 160, 300), (_L, (0.75, 0.3), (0.8, 1.0))),
    "e": _shape("e", (_L, (0.1, 0.58), (0.86, 0.58)), (_R, 0.48, 0.6, 0.38, 0.4, 0, -120),
                (_R, 0.48, 0.6, 0.38, 0.4, -120, -240), (_R, 0.48, 0.6, 0.38, 0.4, -240, -320)),
}
_SPINE = (_L, (0.1, 0.0), (0.1, 1.0))
# More ways of writing the near misses that are built from A's, B's and C's own strokes (a spine,
# bowls, round arcs): the shapes a detector most easily mistakes for a letter, so they get more
# of its examples (near misses are drawn form by form, see glyphs.NON_LETTER_FORMS).
_MORE_FORMS: dict[str, tuple[Letterform, ...]] = {
    "D": (_shape("D", _SPINE, (_L, (0.1, 0.0), (0.5, 0.0)), (_R, 0.5, 0.4, 0.4, 0.4, -90, 0), (_L, (0.9, 0.4), (0.9, 0.6)),
                 (_R, 0.5, 0.6, 0.4, 0.4, 0, 90), (_L, (0.5, 1.0), (0.1, 1.0)), form="printed"),
          _shape("D", (_L, (0.12, -0.04), (0.1, 1.04)), (_C, (0.05, 0.03), (0.9, -0.05), (0.85, 1.0), (0.12, 0.97)),
                 form="handwritten"),
          _shape("D", _SPINE, (_L, (0.1, 1.0), (0.13, 0.02)), (_C, (0.13, 0.02), (1.05, -0.1), (1.05, 1.1), (0.05, 0.98)),
                 form="one-stroke")),
    "O": (_shape("O", (_R, 0.5, 0.5, 0.45, 0.5, -80, 40), (_R, 0.5, 0.5, 0.45, 0.5, 40, 160),
                 (_R, 0.5, 0.5, 0.45, 0.5, 160, 280), (_R, 0.5, 0.5, 0.42, 0.5, 280, 340), form="overlapping"),
          _shape("O", (_R, 0.5, 0.5, 0.36, 0.5, -90, 30), (_R, 0.5, 0.5, 0.36, 0.5, 30, 150),
                 (_R, 0.5, 0.5, 0.36, 0.5, 150, 270), form="narrow")),
    "0": (_shape("0", (_R, 0.5, 0.5, 0.3, 0.5, -90, 30), (_R, 0.5, 0.5, 0.3, 0.5, 30, 150),
                 (_R, 0.5, 0.5, 0.3, 0.5, 150, 270), (_L, (0.3, 0.85), (0.7, 0.15)), form="slashed"),
          _shape("0", (_R, 0.5, 0.5, 0.22, 0.5, -90, 30), (_R, 0.5, 0.5, 0.22, 0.5, 30, 150),
                 (_R, 0.5, 0.5, 0.22, 0.5, 150, 270), form="narrow")),
    "8": (_shape("8", (_C, (0.5, 0.5), (0.0, 0.3), (0.2, -0.05), (0.5, 0.0)), (_C, (0.5, 0.0), (0.85, 0.05), (0.9, 0.3), (0.5, 0.5)),
                 (_C, (0.5, 0.5), (0.05, 0.7), (0.1, 1.05), (0.5, 1.0)), (_C, (0.5, 1.0), (0.95, 1.0), (0.95, 0.65), (0.5, 0.5)),
                 form="crossed"),
          _shape("8", (_R, 0.5, 0.22, 0.22, 0.22, 0, 180), (_R, 0.5, 0.22, 0.22, 0.22, 180, 360),
                 (_R, 0.5, 0.72, 0.32, 0.28, 0, 180), (_R, 0.5, 0.72, 0.32, 0.28, 180, 360), form="small-top")),
    "R": (_shape("R", _SPINE, (_L, (0.1, 0.0), (0.5, 0.0)), (_R, 0.5, 0.25, 0.3, 0.25, -90, 0), (_R, 0.5, 0.25, 0.3, 0.25, 0, 90),
                 (_L, (0.5, 0.5), (0.1, 0.5)), (_L, (0.45, 0.5), (0.9, 1.0)), form="printed"),
          _shape("R", _SPINE, (_C, (0.1, 0.0), (0.85, -0.02), (0.85, 0.52), (0.1, 0.5)), (_L, (0.1, 0.5), (0.8, 1.0)),
                 form="leg-from-spine"),
          _shape("R", _SPINE, (_C, (0.1, 0.0), (0.9, -0.02), (0.9, 0.55), (0.2, 0.5)),
                 (_C, (0.2, 0.5), (0.6, 0.55), (0.7, 0.95), (0.95, 1.0)), form="curled-leg")),
    "P": (_shape("P", _SPINE, (_L, (0.1, 0.0), (0.5, 0.0)), (_R, 0.5, 0.27, 0.32, 0.27, -90, 0),
                 (_R, 0.5, 0.27, 0.32, 0.27, 0, 90), (_L, (0.5, 0.54), (0.1, 0.54)), form="printed"),),
    "G": (_shape("G", (_R, 0.5, 0.5, 0.45, 0.5, -40, -150), (_R, 0.5, 0.5, 0.45, 0.5, -150, -270),
                 (_R, 0.5, 0.5, 0.45, 0.5, 90, 30), (_L, (0.89, 0.76), (0.89, 0.5)), form="spur"),),
    "3": (_shape("3", (_L, (0.1, 0.0), (0.85, 0.0)), (_L, (0.85, 0.0), (0.4, 0.42)),
                 (_C, (0.4, 0.42), (1.05, 0.4), (1.0, 1.1), (0.05, 0.92)), form="flat-top"),),
    "6": (_shape("6", (_L, (0.7, 0.0), (0.15, 0.65)), (_R, 0.45, 0.72, 0.32, 0.28, 135, 315),
                 (_R, 0.45, 0.72, 0.32, 0.28, -45, 135), form="straight"),),
    "9": (_shape("9", (_R, 0.5, 0.28, 0.35, 0.28, 0, 120), (_R, 0.5, 0.28, 0.35, 0.28, 120, 240),
                 (_R, 0.5, 0.28, 0.35, 0.28, 240, 360), (_L, (0.85, 0.28), (0.8, 1.0)), form="straight"),),
    "a": (_shape("a", (_C, (0.2, 0.15), (0.4, -0.05), (0.8, 0.0), (0.8, 0.35)), (_L, (0.8, 0.35), (0.82, 1.0)),
                 (_C, (0.8, 0.5), (0.2, 0.4), (0.0, 0.95), (0.45, 1.0)), (_C, (0.45, 1.0), (0.7, 1.0), (0.8, 0.85), (0.8, 0.75)),
                 form="double-storey"),),
}
NON_LETTERS: dict[str, tuple[Letterform, ...]] = {name: (form, *_MORE_FORMS.get(name, ()))
                                                   for name, form in _FIRST_FORMS.items()}

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
@dataclass(frozen=True)
class Morph:
    name: str
    start: tuple[str, str]  # (letter, letterform name)
    end: tuple[str, str]
    pairs: tuple[tuple[str, str, bool], ...]  # (start role, end role, reversed)
    whole: bool = False  # show the whole glyph; else only the morphing strokes, in the glyph's frame


MORPHS: tuple[Morph, ...] = (
    Morph("B.upper_bowl->C.top_curve", ("B", "round"), ("C", "round"), (("B.upper_bowl", "C.top_curve", True),)),
    Morph("A.left_diagonal->C.left_line", ("A", "pointed"), ("C", "round"), (("A.left_diagonal", "C.left_line", True),)),
    Morph("B.spine->C.left_line", ("B", "round"), ("C", "round"), (("B.spine", "C.left_line", False),)),
    Morph("B->C", ("B", "round"), ("C", "round"), (("B.spine", "C.left_line", False),
                                                   ("B.upper_bowl", "C.top_curve", True),
                                                   ("B.lower_bowl", "C.bottom_curve", True)), whole=True),
)

CLASSES: tuple[str, ...] = tuple(TEMPLATES)
# Role names in a fixed order: the letter's roles in the order its first letterform lists them.
ROLES: tuple[str, ...] = tuple(dict.fromkeys(p.role for letter in CLASSES for p in TEMPLATES[letter][0].pieces))


@functools.lru_cache(maxsize=None)
def letter_roles(letter: str) -> tuple[str, ...]:
    """The roles that make up `letter`, in ROLES order."""
    return tuple(r for r in ROLES if r.split(".")[0] == letter)


# A cursive hand's ligature: where a letter is joined to the next one, the pen runs on from the
# letter's lowest right point, dips, and rises to the next letter's x-height. Its control points
# relative to where it leaves, in letter heights; the stroke it leaves from owns it.
EXIT = ((0.1, 0.05), (0.25, 0.04), (0.38, -0.4))
EXIT_LOW = 0.65  # the point it leaves from is the rightmost in the letter's lowest 35% (on a low-barred A,
# the crossbar's end: a bar carried on to the next letter, as joined hands write it)
EXIT_KEPT = (0.4, 1.0)  # share of the ligature inside the crop: a crop cuts it anywhere
# Characters drawn without a ligature. A C's is its bottom curve carried on up, a B's lower bowl
# without the spine: on 100,000 glyphs it taught B's to read as C (scanned B's 96.6% -> 94.9%),
# while joined C's read right without it (98%; scripts/recapture.py, README).
NO_EXIT = ("C",)


@functools.lru_cache(maxsize=None)
def exit_stroke(form: Letterform) -> Piece | None:
    """The ligature of `form` (drawn when the hand samples the "exit" feature on), owned by the
    stroke it leaves; None for a character in NO_EXIT."""
    points = [(point, piece.role) for piece in form.pieces if piece.feature is None
              for point in bezier_points(piece.controls, 0.0, 1.0, 17)]
    top, bottom = min(p[1] for p, _ in points), max(p[1] for p, _ in points)
    low = [(point, role) for point, role in points
           if role.split(".")[0] not in NO_EXIT and point[1] >= top + EXIT_LOW * (bottom - top)]
    if not low:
        return None
    (x, y), role = max(low, key=lambda item: item[0][0])
    (ax, ay), (bx, by), (cx, cy) = EXIT
    return curve(role, (x, y), (x + ax, y + ay), (x + bx, y + by), (x + cx, y + cy), feature="exit")


def bezier_points(controls, t0: float, t1: float, count: int) -> list[Point]:
    """`count` points of a cubic Bezier for t in [t0, t1]; t outside [0, 1]
    extrapolates the curve, which is how the generator overshoots a joint."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = controls
    # power basis, evaluated by Horner's rule: P(t) = ((a t + b) t + c) t + d
    ax, bx, cx = x3 - 3 * x2 + 3 * x1 - x0, 3 * x2 - 6 * x1 + 3 * x0, 3 * (x1 - x0)
    ay, by, cy = y3 - 3 * y2 + 3 * y1 - y0, 3 * y2 - 6 * y1 + 3 * y0, 3 * (y1 - y0)
    step = (t1 - t0) / (count - 1)
    out = []
    for i in range(count):
        t = t0 + i * step
        out.append((((ax * t + bx) * t + cx) * t + x0, ((ay * t + by) * t + cy) * t + y0))
    return out
