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
    feature: str | None = None  # optional ornament ("serif", "curl", "entry"); drawn only when sampled on


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
    else:  # round-arched, as many people write it
        legs = (curve("A.left_diagonal", (0.0, 1.0), (0.02, 0.3), (0.18, 0.0), (0.45, 0.0)),
                curve("A.right_diagonal", (0.45, 0.0), (0.72, 0.0), (0.88, 0.3), (0.9, 1.0)))
        left_x, right_x = 0.02 + 0.1 * (1 - bar), 0.88 - 0.1 * (1 - bar)
    ornaments = (line("A.left_diagonal", (-0.1, 1.0), (0.14, 1.0), feature="serif"),
                 line("A.right_diagonal", (0.76, 1.0), (1.0, 1.0), feature="serif"),
                 line("A.left_diagonal", (0.3, 0.0), (0.45, 0.0), feature="entry"))
    return Letterform(name, legs + (line("A.crossbar", (left_x, bar), (right_x, bar)),) + ornaments)


def _b_form(name: str, waist: float, gap: float, shape: str) -> Letterform:
    """B with its bowls meeting at height `waist`, starting `gap` right of the spine."""
    x0 = 0.1 + gap
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
    elif shape == "round":
        bowls = (curve("B.upper_bowl", (x0, 0.0), (0.78, -0.03), (0.78, waist), (x0, waist)),
                 curve("B.lower_bowl", (x0, waist), (1.0, waist - 0.02), (1.0, 1.03), (x0, 1.0)))
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
    return Letterform(name, spine + bowls)


def _c_form(name: str, rx: float, aperture: float, bend: float) -> Letterform:
    """C as an open arc: `aperture` is the half-angle of the opening in degrees."""
    cx, cy, ry = 0.5, 0.5, 0.5
    seam = 145.0  # where the curves hand over to the left line, degrees
    top_end = (cx + rx * math.cos(math.radians(-aperture)), cy + ry * math.sin(math.radians(-aperture)))
    bottom_end = (cx + rx * math.cos(math.radians(aperture)), cy + ry * math.sin(math.radians(aperture)))
    upper = (cx + rx * math.cos(math.radians(-seam)), cy + ry * math.sin(math.radians(-seam)))
    lower = (upper[0], 2 * cy - upper[1])
    return Letterform(name, (
        arc("C.top_curve", cx, cy, rx, ry, -aperture, -seam),
        line("C.left_line", upper, lower, bend=bend),
        arc("C.bottom_curve", cx, cy, rx, ry, seam, aperture),
        curve("C.top_curve", top_end, (top_end[0] + 0.09, top_end[1] + 0.06),
              (top_end[0] + 0.03, top_end[1] + 0.18), (top_end[0] - 0.06, top_end[1] + 0.11), feature="curl"),
        line("C.bottom_curve", bottom_end, (bottom_end[0], bottom_end[1] - 0.12), feature="curl"),
        line("C.top_curve", top_end, (top_end[0] + 0.02, top_end[1] + 0.12), feature="serif"),
        curve("C.top_curve", top_end, (top_end[0] - 0.02, top_end[1] + 0.22),  # a script C's entry loop
              (top_end[0] - 0.3, top_end[1] + 0.2), (top_end[0] - 0.22, top_end[1] - 0.02), feature="entry"),
    ))


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
    ),
    "B": (
        _b_form("round", 0.46, 0.0, "round"), _b_form("round-open", 0.45, 0.08, "round"),
        _b_form("round-small-top", 0.38, 0.0, "round"), _b_form("printed", 0.47, 0.0, "D"),
        _b_form("printed-small-top", 0.42, 0.0, "D"), _b_form("printed-open", 0.47, 0.07, "D"),
        _b_form("script", 0.45, 0.0, "script"),
    ),
    "C": (
        _c_form("round", 0.45, 45, 0.06), _c_form("narrow", 0.36, 45, 0.05),
        _c_form("open", 0.45, 62, 0.06), _c_form("closed", 0.47, 30, 0.07),
        _c_form("wide", 0.55, 50, 0.05), _COPPERPLATE_C,
    ),
}

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
