"""The vocabulary strokes are written in: pieces (lines, curves, arcs as cubic Beziers) in a unit box.

A piece is a line or a curve in a unit box (x right, y down, letter height 0..1) that belongs to one
named role such as ``C.top_curve``; a letterform is a tuple of pieces; a morph walks some roles of one
letterform into another's. Every piece is stored as the four control points of a cubic Bezier, so the
generator treats lines and curves alike. Data types and their constructors only: no letter is named here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Morph:
    name: str
    start: tuple[str, str]  # (letter, letterform name)
    end: tuple[str, str]
    pairs: tuple[tuple[str, str, bool], ...]  # (start role, end role, reversed)
    whole: bool = False  # show the whole glyph; else only the morphing strokes, in the glyph's frame


@dataclass(frozen=True)
class Alphabet:
    templates: dict[str, tuple[Letterform, ...]]  # letter -> its letterforms, each using the letter's roles
    lookalikes: tuple[tuple[str, str], ...]  # (target stroke, the other letter's stroke mistaken for it)
    morphs: tuple[Morph, ...] = ()
    openings: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # openings a hand never shuts
    no_exit: tuple[str, ...] = ()  # letters drawn without a cursive ligature
    non_letters: dict[str, tuple[Letterform, ...]] = field(default_factory=dict)  # near misses, never a class


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
