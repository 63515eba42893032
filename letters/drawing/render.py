"""Pixels from pen paths: a glyph, each stroke's exact coverage, and any subset of strokes in its frame.

`render_parts` draws a hand's paths anti-aliased (4x supersampling), passes the glyph through the one
preprocessing function and returns the 28x28 glyph with one coverage image per role, all in the
frame computed from the full glyph; the strokes asked for are drawn alone in that same frame (the
probes of the analysis, the deletions of the attribution benchmark). `render_batch` is a dataset's
chunk, torch-free for worker processes.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter

from ..alphabet import CLASSES, TEMPLATES, Letterform, letter_roles
from ..config import GeneratorConfig
from ..inputs.preprocess import Table, Transform, apply_transform, preprocess_gray, sample_frame
from .hand import RAW_CANVAS, SUPERSAMPLE, PenPath, glyph_pieces, sample_seed


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


def ink_and_roles(paths: list[PenPath], roles, blur: float = 0.0) -> tuple[Image.Image, Image.Image | list]:
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
    ink, coverage = ink_and_roles(paths, roles, blur)
    image, transform = preprocess_gray(ink, generated=True)  # the one preprocessing function
    framed = (sample_frame(coverage, transform.box) if isinstance(coverage, Image.Image)
              else [sample_frame(mask, transform.box) for mask in coverage])
    glyph = RenderedGlyph(letter, name, image, framed, transform)
    parts = [apply_transform(ink_and_roles([p for p in paths if p.role in chosen], roles, blur)[0], transform)
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
