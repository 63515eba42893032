"""One hand's pen paths for a letter template: the generator's randomness, from one seed.

`glyph_pieces` turns a template and a seed into pen paths on a raw canvas: features (serifs, curls,
lead-ins, a cursive ligature), jitter, overshoot, wobble, warp and elastic wander, slant, rotation,
aspect, pen width, broad-nib contrast and caps. A hand that shuts a letter's opening (a C that became
an O) draws again. The same seed always gives the same paths; `render` turns them into pixels.
"""

from __future__ import annotations

import functools
import math
import random
from typing import NamedTuple

from ..alphabet import NO_EXIT, NON_LETTERS, OPENINGS, TEMPLATES, Letterform, Piece, bezier_points, curve
from ..config import GeneratorConfig

SUPERSAMPLE = 4  # drawing pixels per output pixel, for anti-aliasing
RAW_LETTER = 22  # output pixels: the letter's longer side on the raw canvas, before preprocessing
RAW_CANVAS = 36  # output pixels per side of the raw canvas: letter plus the boldest pen
CURVE_POINTS = 9  # points per curve piece: chords stay within a tenth of a pixel of the curve at 22 px
LINE_POINTS = 4  # points per line piece: enough for its bend and wobble
TWO_PI = 2 * math.pi


class PenPath(NamedTuple):  # a tuple: made tens of times per glyph, so it must be cheap
    role: str  # who owns the pixels this path draws
    points: list  # [(x, y), ...] in raw-canvas output pixels
    widths: list  # pen width at each point, raw-canvas output pixels
    round_caps: bool  # round or flat ends


def sample_seed(seed: int, index: int) -> int:
    """The seed of sample `index` of a dataset made with `seed`: independent of workers."""
    return (seed & 0xFFFFFFFF) << 32 | (index & 0xFFFFFFFF)


def glyph_pieces(letter: str, seed: int, config: GeneratorConfig, form: Letterform | None = None) -> tuple[str, list[PenPath]]:
    """The letterform's name and its pen paths for this seed, on the raw canvas. A given `form`
    replaces the sampled letterform; the hand (jitter, slant, pen, ...) stays this seed's.
    `letter` may also name a near miss (strokes.NON_LETTERS) or, with `form`, any shape."""
    rng = random.Random(seed)
    forms = TEMPLATES.get(letter) or NON_LETTERS.get(letter)
    if forms is None:  # a shape of its own (a scribble): only `form` can say what to draw
        if form is None:
            raise KeyError(letter)
        forms = (form,)
    sampled = forms[rng.randrange(len(forms))]  # drawn even when `form` is given: the rest stays the seed's
    opening = OPENINGS.get(letter) if form is None else None  # a given form (a morph step) keeps its one hand
    form = form or sampled
    paths = _hand(form, rng, config)
    for _ in range(OPENING_TRIES):  # a hand that shuts the letter's opening draws another letter: try another
        if opening is None or _gap(paths, opening) >= MIN_GAP:
            break
        paths = _hand(form, rng, config)
    return form.name, paths


OPENING_TRIES = 8  # hands tried before a shut opening is kept anyway (about 1 first hand in 9 shuts its C)
MIN_GAP = 2.0  # raw-canvas pixels of paper between the two sides of an opening: still open at 28x28, even blurred
JOINT_RADIUS = 0.4 * RAW_LETTER  # raw-canvas pixels: ink this near the joining stroke is not the opening


def _segment_distance(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance from point p to the segment a-b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / ((dx * dx + dy * dy) or 1e-12)))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def _gap(paths: list[PenPath], roles: tuple[str, str, str]) -> float:
    """Paper across an opening (raw-canvas pixels; negative when the ink meets): the least distance
    between the pen paths of roles[0] and roles[1], less the pen's half widths on each side, away
    from roles[2], the stroke that joins them (where they may meet, as at a pointed C's corner)."""
    joint = [(a, b) for p in paths if p.role == roles[2] for a, b in zip(p.points, p.points[1:])]

    def away(path: PenPath) -> list[tuple[tuple[float, float], float]]:
        return [(pt, w) for pt, w in zip(path.points, path.widths)
                if all(_segment_distance(pt, a, b) > JOINT_RADIUS for a, b in joint)]

    sides = [[away(p) for p in paths if p.role == role] for role in roles[:2]]
    best = math.inf
    for one, other in ((sides[0], sides[1]), (sides[1], sides[0])):
        for kept in one:
            for point, width in kept:
                for seg in other:
                    for (a, wa), (b, wb) in zip(seg, seg[1:]):
                        best = min(best, _segment_distance(point, a, b) - width / 2 - max(wa, wb) / 2)
    return best


def _hand(form: Letterform, rng: random.Random, config: GeneratorConfig) -> list[PenPath]:
    """One hand's pen paths for `form`: features, rotation, slant, aspect, pen, jitter, overshoot,
    wobble, warp and elastic wander, all drawn from `rng`."""
    on = {name: rng.random() < p for name, p in sorted(config.features.items())}
    angle = math.radians(rng.uniform(-config.rotation, config.rotation))
    shear = rng.uniform(*config.slant)
    stretch = math.exp(rng.uniform(math.log(config.aspect[0]), math.log(config.aspect[1])))
    lo, hi = config.pen
    pen = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    hairline = False
    if config.hairline > 0:  # none drawn for a dataset made before hairlines: its seeds re-render as they did
        lo, hi = config.hairline_pen
        fine = math.exp(rng.uniform(math.log(lo), math.log(hi)))  # drawn either way: a hairline changes the pen alone
        hairline = rng.random() < config.hairline
    nib = rng.uniform(0.0, math.pi) if rng.random() < config.contrast else None
    if hairline:
        pen, nib = fine, None  # a stylus or ballpoint: fine, and the same width in every direction
    thin = rng.uniform(0.25, 0.6)  # thinnest broad-nib width as a fraction of the widest
    round_caps = rng.random() < config.round_caps
    double = rng.uniform(0.05, 0.12) if rng.random() < config.double else 0.0  # gap between the two traces
    if double:
        pen = min(pen, double * 0.8)  # two traces only read as two when the pen is thinner than the gap
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    warp = [(rng.uniform(-config.warp, config.warp), TWO_PI * rng.uniform(0.3, 1.0), rng.uniform(0, TWO_PI))
            for _ in range(2)]  # x shifts with y and y with x, each one slow sine
    (wx, fx, px), (wy, fy, py) = warp
    # elastic field: a few plane waves per axis with random direction and wavelength (0.4 to 1.3
    # letter heights), so the pen path wanders locally but every stroke moves with its neighbours
    elastic = [[(rng.uniform(-1.0, 1.0) * config.elastic / math.sqrt(config.elastic_waves),
                 *_wave_vector(rng), rng.uniform(0, TWO_PI)) for _ in range(config.elastic_waves)]
               for _axis in range(2)] if config.elastic > 0 else None
    three = elastic is not None and config.elastic_waves == 3  # the hot loop's fast path: a third of _hand's time went to sum()
    if elastic is not None and three:
        ((ax0, ux0, vx0, hx0), (ax1, ux1, vx1, hx1), (ax2, ux2, vx2, hx2)), \
            ((ay0, uy0, vy0, hy0), (ay1, uy1, vy1, hy1), (ay2, uy2, vy2, hy2)) = elastic
    # x' = rotate(stretch * x - shear * y): one matrix for aspect, slant and rotation
    m00, m01 = cos_a * stretch, -cos_a * shear - sin_a
    m10, m11 = sin_a * stretch, -sin_a * shear + cos_a

    paths = []
    uniform, sin, hypot, rand = rng.uniform, math.sin, math.hypot, rng.random  # hot loop: local names

    def gauss(mean: float, std: float) -> float:
        """Near-normal noise from three uniforms (Irwin-Hall): cheap, and bounded at 3 std."""
        return mean + std * 2.0 * (rand() + rand() + rand() - 1.5)

    j = config.jitter
    ligature = exit_stroke(form) if on.get("exit", False) else None
    for piece in form.pieces + ((ligature,) if ligature is not None else ()):
        if piece.feature is not None and not on.get(piece.feature, False):
            continue
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = piece.controls
        inner = j if piece.kind == "curve" else 0.25 * j
        controls = [(x0 + gauss(0, j), y0 + gauss(0, j)),
                    (x1 + gauss(0, inner), y1 + gauss(0, inner)),
                    (x2 + gauss(0, inner), y2 + gauss(0, inner)),
                    (x3 + gauss(0, j), y3 + gauss(0, j))]
        if piece.kind == "line":
            bend = gauss(0, config.line_bend)
            dx, dy = controls[3][0] - controls[0][0], controls[3][1] - controls[0][1]
            controls[1] = (controls[1][0] + dy * bend, controls[1][1] - dx * bend)
            controls[2] = (controls[2][0] + dy * bend, controls[2][1] - dx * bend)
        length = math.dist(controls[0], controls[3]) or 1e-3
        ends = config.overshoot / max(length, 0.15)  # extension in t, so about `overshoot` letter units
        t0, t1 = uniform(-ends, ends), 1.0 + uniform(-ends, ends)
        if piece is ligature:
            t1 = uniform(*EXIT_KEPT)
        count = CURVE_POINTS if piece.kind == "curve" else LINE_POINTS
        points = bezier_points(controls, t0, t1, count)
        amp, freq, phase = uniform(0, config.wobble), uniform(0.5, 1.5), uniform(0, TWO_PI)
        if piece is ligature and config.exit_reach != (1.0, 1.0):  # drawn after every other draw of the hand's,
            # which it keeps, and only then, so a dataset made before the reach existed re-renders as it did
            reach, start = uniform(*config.exit_reach), controls[0][0]
            points = [(start + reach * (x - start), y) for x, y in points]
        step = TWO_PI * freq / (count - 1)
        tangents = [(bx - ax, by - ay) for (ax, ay), (bx, by) in zip(points, points[1:])]
        tangents.append(tangents[-1])
        wobbled = []
        for i, ((x, y), (tx, ty)) in enumerate(zip(points, tangents)):
            w = amp * sin(step * i + phase) / (hypot(tx, ty) or 1.0)
            x, y = x - ty * w, y + tx * w  # wobble across the stroke
            x, y = x + wx * sin(fx * y + px) - 0.5, y + wy * sin(fy * x + py) - 0.5  # warp, centred
            if three:  # the default field, unrolled: the same sums in the same order, so the same bits
                x, y = (x + (ax0 * sin(ux0 * x + vx0 * y + hx0) + ax1 * sin(ux1 * x + vx1 * y + hx1)
                             + ax2 * sin(ux2 * x + vx2 * y + hx2)),
                        y + (ay0 * sin(uy0 * x + vy0 * y + hy0) + ay1 * sin(uy1 * x + vy1 * y + hy1)
                             + ay2 * sin(uy2 * x + vy2 * y + hy2)))
            elif elastic is not None:
                x, y = (x + sum(a * sin(u * x + v * y + ph) for a, u, v, ph in elastic[0]),
                        y + sum(a * sin(u * x + v * y + ph) for a, u, v, ph in elastic[1]))
            wobbled.append((m00 * x + m01 * y, m10 * x + m11 * y))  # aspect, slant, rotation
        paths.append((piece.role, wobbled))
        if double:  # the second trace, offset across the stroke
            traced = []
            for i, (x, y) in enumerate(wobbled):
                k = i if i < count - 1 else count - 2
                tx, ty = wobbled[k + 1][0] - wobbled[k][0], wobbled[k + 1][1] - wobbled[k][1]
                d = double / (hypot(tx, ty) or 1.0)
                traced.append((x - ty * d + gauss(0, 0.005), y + tx * d + gauss(0, 0.005)))
            paths.append((piece.role, traced))

    xs = [x for _, pts in paths for x, _ in pts]
    ys = [y for _, pts in paths for _, y in pts]
    size = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    scale = RAW_LETTER / size
    ox = RAW_CANVAS / 2 - scale * (max(xs) + min(xs)) / 2
    oy = RAW_CANVAS / 2 - scale * (max(ys) + min(ys)) / 2
    width = pen * RAW_LETTER
    out = []
    for role, pts in paths:
        canvas = [(ox + scale * x, oy + scale * y) for x, y in pts]
        if nib is None:
            widths = [width] * len(canvas)
        else:
            widths = []
            for i in range(len(canvas)):
                k = min(i, len(canvas) - 2)
                direction = math.atan2(canvas[k + 1][1] - canvas[k][1], canvas[k + 1][0] - canvas[k][0])
                widths.append(width * (thin + (1 - thin) * abs(math.sin(direction - nib))))
        out.append(PenPath(role, canvas, widths, round_caps))
    return out


def _wave_vector(rng: random.Random) -> tuple[float, float]:
    """A plane wave's (kx, ky) in radians per letter height: random direction, wavelength 0.4..1.3."""
    direction, k = rng.uniform(0, TWO_PI), TWO_PI / rng.uniform(0.4, 1.3)
    return k * math.cos(direction), k * math.sin(direction)


# A cursive hand's ligature: where a letter is joined to the next one, the pen runs on from the
# letter's lowest right point, dips, and rises to the next letter's x-height. Its control points
# relative to where it leaves, in letter heights; the stroke it leaves from owns it.
EXIT = ((0.1, 0.05), (0.25, 0.04), (0.38, -0.4))
EXIT_LOW = 0.65  # the point it leaves from is the rightmost in the letter's lowest 35% (on a low-barred A,
# the crossbar's end: a bar carried on to the next letter, as joined hands write it)
EXIT_KEPT = (0.4, 1.0)  # share of the ligature inside the crop: a crop cuts it anywhere


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
