"""Drawing one glyph: a letter template, randomly varied, rendered with its stroke owners.

`glyph_pieces` turns a template and a seed into pen paths (jitter, overshoot, wobble,
slant, rotation, aspect, pen width, broad-nib contrast, caps). `render_glyph` draws
them, anti-aliased by 4x supersampling, passes the glyph through the one
preprocessing function and returns the 28x28 glyph with one 28x28 coverage image per
role, all in the frame computed from the full glyph. `render_strokes` draws any
subset of roles in that same frame. The same seed always gives the same pixels.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass
from typing import Callable, NamedTuple

from PIL import Image, ImageDraw, ImageFilter

from .config import GeneratorConfig
from .errors import LettersError
from .preprocess import Table, Transform, apply_transform, preprocess_gray, sample_frame
from .strokes import CLASSES, EXIT_KEPT, NON_LETTERS, OPENINGS, TEMPLATES, Letterform, bezier_points, curve, exit_stroke, letter_roles

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
            if elastic is not None:
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


def glyph_blur(seed: int, config: GeneratorConfig) -> float:
    """Gaussian blur radius for this glyph's raw ink (0: sharp), from its own random stream so
    that turning blur on leaves every other choice of the glyph as it was."""
    if config.blur <= 0:
        return 0.0
    rng = random.Random(seed ^ 0x5B1A7)
    return rng.uniform(*config.blur_radius) if rng.random() < config.blur else 0.0


# Palette for a canvas of role codes 1..3: code k lights channel k, so one conversion and one
# downsample give every role's coverage as a band, and the bands add up to the glyph's ink.
_ROLE_PALETTE = [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * (3 * 252)


@functools.lru_cache(maxsize=2)
def _blank(mode: str) -> Image.Image:
    """An empty supersampled canvas (mode "P" carries the role palette); copied, never drawn on."""
    canvas = Image.new(mode, (RAW_CANVAS * SUPERSAMPLE, RAW_CANVAS * SUPERSAMPLE), 0)
    if mode == "P":
        canvas.putpalette(_ROLE_PALETTE)
    return canvas


def _draw(paths: list[PenPath], codes: dict[str, int], mode: str = "L") -> Image.Image:
    """Supersampled canvas whose pixel value is the code of the role that drew it last
    (mode "P": with the role palette)."""
    ss = SUPERSAMPLE
    canvas = _blank(mode).copy()  # a copy: callers may keep the canvas
    draw = ImageDraw.Draw(canvas)
    for path in paths:
        code = codes.get(path.role)
        if not code:
            continue
        pts = [(x * ss, y * ss) for x, y in path.points]
        if path.widths[0] == path.widths[-1] == max(path.widths):
            width = max(1, round(path.widths[0] * ss))
            draw.line(pts, fill=code, width=width)  # joints within a piece turn gently: no round joins needed
            ends = ((pts[0], width), (pts[-1], width)) if path.round_caps else ()
        else:  # broad nib: the outline of a pen whose width follows the direction, as one polygon
            left, right = [], []
            for k, (x, y) in enumerate(pts):
                a, b = pts[max(k - 1, 0)], pts[min(k + 1, len(pts) - 1)]
                tx, ty = b[0] - a[0], b[1] - a[1]
                norm = math.hypot(tx, ty) or 1.0
                half = path.widths[k] * ss / 2
                nx, ny = -ty / norm * half, tx / norm * half
                left.append((x + nx, y + ny))
                right.append((x - nx, y - ny))
            draw.polygon(left + right[::-1], fill=code)
            ends = ((pts[0], path.widths[0] * ss), (pts[-1], path.widths[-1] * ss)) if path.round_caps else ()
        for (x, y), w in ends:
            r = w / 2
            draw.ellipse((x - r, y - r, x + r, y + r), fill=code)
    return canvas


@functools.lru_cache(maxsize=None)
def _lut(code: int | None) -> Table:
    """255 where the canvas holds `code` (any role if None), 0 elsewhere."""
    return Table([255 if (v and (code is None or v == code)) else 0 for v in range(256)])


def _mask(canvas: Image.Image, code: int | None) -> Image.Image:
    """Box-filtered coverage of one role (or of all ink) at output resolution."""
    return canvas.point(_lut(code)).reduce(SUPERSAMPLE)


def _ink_and_roles(paths: list[PenPath], roles, blur: float = 0.0) -> tuple[Image.Image, Image.Image | list]:
    """The glyph's ink and its roles' coverage at output resolution: for three roles one RGB
    image whose bands are the roles, else a list of 'L' images. Role coverages partition the
    ink: every supersampled pixel has one owner, the last role drawn there. A blur spreads
    every role's band by the same kernel, so the bands still add up to the blurred ink."""
    codes = {role: i + 1 for i, role in enumerate(roles)}
    soften = (lambda im: im.filter(ImageFilter.GaussianBlur(blur))) if blur > 0 else (lambda im: im)
    if len(roles) == 3:  # the fast path: roles as the bands of one RGB image, ink as their sum
        bands = soften(_draw(paths, codes, "P").convert("RGB").reduce(SUPERSAMPLE))
        return bands.convert("L", (1.0, 1.0, 1.0, 0.0)), bands
    canvas = _draw(paths, codes)
    return soften(_mask(canvas, None)), [soften(_mask(canvas, codes[role])) for role in roles]


@dataclass
class RenderedGlyph:
    """A generated glyph as the model sees it, with what made each of its pixels."""

    letter: str
    form: str  # the letterform's name
    image: Image.Image  # 28x28 'L', the model's input
    coverage: Image.Image | list  # the roles' linear coverage in the glyph's frame: RGB bands or 'L' images
    transform: Transform  # the glyph's crop/scale/centre, reused for stroke renders

    @property
    def roles(self) -> dict:
        """role -> 28x28 'L' coverage (ownership, not model input)."""
        bands = self.coverage.split() if isinstance(self.coverage, Image.Image) else self.coverage
        return dict(zip(letter_roles(self.letter), bands))


def render_parts(letter: str, seed: int, config: GeneratorConfig, role_sets,
                 form: Letterform | None = None) -> tuple[RenderedGlyph, list]:
    """The full glyph, and for each set of roles an image of only those strokes, drawn
    whole and placed exactly where they sit in the normalised full glyph (the frame
    comes from the full glyph, never from the strokes alone). `form` as in glyph_pieces."""
    name, paths = glyph_pieces(letter, seed, config, form)
    roles = letter_roles(letter)
    blur = glyph_blur(seed, config)
    ink, coverage = _ink_and_roles(paths, roles, blur)
    image, transform = preprocess_gray(ink)  # the one preprocessing function
    framed = (sample_frame(coverage, transform.box) if isinstance(coverage, Image.Image)
              else [sample_frame(mask, transform.box) for mask in coverage])
    glyph = RenderedGlyph(letter, name, image, framed, transform)
    parts = [apply_transform(_ink_and_roles([p for p in paths if p.role in chosen], roles, blur)[0], transform)
             for chosen in role_sets]  # drawn the same way as the glyph, so all roles together give the glyph
    return glyph, parts


def render_glyph(letter: str, seed: int, config: GeneratorConfig) -> RenderedGlyph:
    """One generated glyph, preprocessed, with the coverage of each of its roles."""
    return render_parts(letter, seed, config, ())[0]


def render_strokes(letter: str, seed: int, config: GeneratorConfig, roles) -> Image.Image:
    """Only `roles` of this glyph, where they sit in the normalised full glyph."""
    return render_parts(letter, seed, config, [tuple(roles)])[1][0]


def render_batch(job) -> tuple[bytes, bytes, bytes]:
    """Glyphs `start..stop` of a dataset made with `seed`, letters in CLASSES order by index,
    as (28x28 images, per-role coverage interleaved per pixel, letterform index) bytes.
    Torch-free, so worker processes start quickly."""
    start, stop, seed, config = job
    form_index = {c: {f.name: i for i, f in enumerate(TEMPLATES[c])} for c in CLASSES}
    images, coverage, forms = bytearray(), bytearray(), bytearray()
    for index in range(start, stop):
        letter = CLASSES[index % len(CLASSES)]
        glyph = render_glyph(letter, sample_seed(seed, index), config)
        images += glyph.image.tobytes()
        if isinstance(glyph.coverage, Image.Image):
            coverage += glyph.coverage.tobytes()  # already interleaved per pixel
        else:
            coverage += b"".join(bytes(px) for px in zip(*(band.tobytes() for band in glyph.coverage)))
        forms.append(form_index[letter][glyph.form])
    return bytes(images), bytes(coverage), bytes(forms)


def _scribble(rng: random.Random) -> tuple[Letterform, ...]:
    """A random pen movement of two to four curves: ink that is no letter at all."""
    point = (rng.uniform(0, 1), rng.uniform(0, 1))
    pieces = []
    for _ in range(rng.randint(2, 4)):
        c1, c2, end = [(rng.uniform(-0.1, 1.1), rng.uniform(-0.1, 1.1)) for _ in range(3)]
        pieces.append(curve("scribble.stroke", point, c1, c2, end))
        point = end
    return (Letterform("scribble", tuple(pieces)),)


def _speckle(rng: random.Random) -> Image.Image:
    """Random blots and specks on paper: noise, dust or a smudge, but no strokes."""
    size = RAW_CANVAS * SUPERSAMPLE
    canvas = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(canvas)
    for _ in range(rng.randint(3, 40)):
        x, y, r = rng.uniform(0, size), rng.uniform(0, size), rng.uniform(SUPERSAMPLE, size / 8)  # a pixel or more
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(80, 255))
    return canvas.reduce(SUPERSAMPLE)


def _grain(rng: random.Random) -> Image.Image:
    """A few to hundreds of tiny specks over the whole canvas: scanner grain or a dirty sheet."""
    size = RAW_CANVAS * SUPERSAMPLE
    canvas = Image.new("L", (size, size), 0)
    for _ in range(rng.randint(5, 400)):
        x, y = rng.randrange(size), rng.randrange(size)
        w, h = rng.randint(1, size // 16), rng.randint(1, size // 16)  # a fraction of a pixel to two: never a stroke
        canvas.paste(rng.randint(120, 255), (x, y, x + w, y + h))
    return canvas.reduce(SUPERSAMPLE)


NOISE: dict[str, Callable[[random.Random], Image.Image]] = {"speckle": _speckle, "grain": _grain}  # ink with no strokes
NON_LETTER_KINDS: tuple[str, ...] = (*NON_LETTERS, "scribble", *NOISE)  # what render_non_letter draws
# (kind, letterform index) in the order a set of near misses draws them: form by form, so a
# character written several ways (strokes._MORE_FORMS) gets as many shares as it has forms.
NON_LETTER_FORMS: tuple[tuple[str, int], ...] = (
    *((kind, i) for kind, forms in NON_LETTERS.items() for i in range(len(forms))), ("scribble", 0),
    *((kind, 0) for kind in NOISE))


def render_non_letter(kind: str, seed: int, config: GeneratorConfig, form_index: int = 0) -> Image.Image:
    """One near miss (another letter, a digit, a scribble, specks) in its `form_index`-th letterform,
    varied like the letters and passed through the one preprocessing function: 28x28 'L', ink 255."""
    if kind in NOISE:
        return preprocess_gray(NOISE[kind](random.Random(seed)))[0]
    form = _scribble(random.Random(seed))[0] if kind == "scribble" else NON_LETTERS[kind][form_index]
    _, paths = glyph_pieces(kind, seed, config, form)
    ink, _ = _ink_and_roles(paths, (paths[0].role,), glyph_blur(seed, config))  # one role owns a near miss
    return preprocess_gray(ink)[0]


def render_non_letters(job) -> bytes:
    """Near misses `start..stop` of a set made with `seed`, in NON_LETTER_FORMS order by index,
    as 28x28 image bytes. Torch-free, for worker processes."""
    start, stop, seed, config = job
    out = bytearray()
    for index in range(start, stop):
        kind, form_index = NON_LETTER_FORMS[index % len(NON_LETTER_FORMS)]
        for attempt in range(8):  # a near miss may come out blank (specks off the canvas): draw another
            try:
                out += render_non_letter(kind, sample_seed(seed, index) ^ (attempt << 60), config, form_index).tobytes()
                break
            except LettersError:
                continue
        else:
            raise LettersError(f"could not draw a {kind!r} near miss in 8 tries (seed {seed}, index {index})")
    return bytes(out)
