"""Near misses drawn like the letters: other letters and digits, scribbles, specks.

What the none-of-the-letters detector learns "none" from: `NON_LETTER_FORMS` in turn, each varied by
the same hand as the letters and passed through the one preprocessing function.
"""

from __future__ import annotations

import random
from typing import Callable

from PIL import Image, ImageDraw

from ..alphabet import NON_LETTERS, Letterform, curve
from ..config import GeneratorConfig
from ..errors import LettersError
from ..inputs.preprocess import preprocess_gray
from .hand import RAW_CANVAS, SUPERSAMPLE, glyph_pieces, sample_seed
from .render import glyph_blur, ink_and_roles


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
        return preprocess_gray(NOISE[kind](random.Random(seed)), generated=True)[0]
    form = _scribble(random.Random(seed))[0] if kind == "scribble" else NON_LETTERS[kind][form_index]
    _, paths = glyph_pieces(kind, seed, config, form)
    ink, _ = ink_and_roles(paths, (paths[0].role,), glyph_blur(seed, config))  # one role owns a near miss
    return preprocess_gray(ink, generated=True)[0]


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
