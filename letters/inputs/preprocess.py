"""The one preprocessing function: any image in, the model's 28x28 input out.

Generated glyphs and user drawings both pass through `preprocess`: grayscale, ink made
high, background removed, crop to the ink's bounding box, the longer side scaled to
20 px keeping the aspect ratio, pasted into 28x28 with the centre of mass in the
middle, then scaled so the darkest ink is 1.0. The crop/scale/centre step is a
`Transform` that can be applied unchanged to another image (one stroke of the same
glyph), which is how stroke masks stay where the stroke sits in the full letter.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter

from ..errors import LettersError

IMAGE_SIZE = 28  # pixels per side of the model's input
FIT_SIZE = 20  # pixels: the ink's longer side after scaling, as in MNIST
INK_FLOOR = 0.15  # fraction of the ink range treated as paper noise (JPEG ringing, paper grain)
MIN_SIDE = 8  # pixels: smaller images cannot hold a recognisable letter

PREPROCESSING = {  # stored in every checkpoint so a model records what it was trained on
    "image_size": IMAGE_SIZE, "fit_size": FIT_SIZE, "ink_floor": INK_FLOOR,
    "centre": "mass", "resample": "bilinear", "polarity": "auto", "alpha": "over-white",
}


@dataclass(frozen=True)
class Transform:
    """How one source image maps into the model's frame; reusable on a same-sized image."""

    background: int  # 0..255 grey of the paper
    darkest: int  # 0..255 grey of the strongest ink (lighter than paper for light-on-dark)
    box: tuple[float, float, float, float]  # (x0, y0, x1, y1) source pixels seen by the 28x28 frame
    peak: int  # 1..255 brightest ink after resampling; the output is scaled so it becomes 255


SMALL_IMAGE = 1 << 16  # pixels: frame masks up to this size are cached (the generator's canvases)



def _extrema(image: Image.Image) -> tuple[float, float]:
    """(lowest, highest) value of a one-band image (Pillow types it for every band count)."""
    lo, hi = image.getextrema()
    return lo, hi  # type: ignore[return-value]


def _frame_mask(size: tuple[int, int]) -> Image.Image:
    """255 on the one-pixel frame of an image of this size, 0 inside; cached for small
    images only, so a folder of large photos does not pile up full-size masks."""
    return _small_frame_mask(size) if size[0] * size[1] <= SMALL_IMAGE else _build_frame_mask(size)


@functools.lru_cache(maxsize=64)
def _small_frame_mask(size: tuple[int, int]) -> Image.Image:
    return _build_frame_mask(size)


def _build_frame_mask(size: tuple[int, int]) -> Image.Image:
    mask = Image.new("L", size, 255)
    if size[0] > 2 and size[1] > 2:
        mask.paste(0, (1, 1, size[0] - 1, size[1] - 1))
    return mask


def _border_median(gray: Image.Image) -> int:
    """Median grey of the one-pixel frame: the paper colour, whatever the ink."""
    counts = list(itertools.accumulate(gray.histogram(_frame_mask(gray.size))))
    return bisect.bisect_left(counts, counts[-1] / 2)


class Table(Image.ImagePointHandler):
    """A ready 256-entry lookup table for Image.point (skips Pillow's per-call rebuild)."""

    def __init__(self, values: list[int]):
        self.values = [int(v) for v in values]

    def point(self, image: Image.Image) -> Image.Image:
        return image._new(image.im.point(self.values, None))


def _to_gray(image: Image.Image) -> Image.Image:
    """8-bit grey for every mode Pillow opens; transparent pixels become paper white.

    Straight alpha (ink colour everywhere, shape only in alpha) is handled by
    compositing; a light drawing on transparency, which would vanish over white,
    falls back to the alpha channel as the ink.
    """
    mode = image.mode
    if mode.startswith("I") or mode == "F":  # 16- and 32-bit grey: scale down, do not clip
        image = image.convert("F") if mode != "F" else image
        hi = _extrema(image)[1]
        scale = 255.0 / 65535.0 if hi > 255 else 1.0
        return image.point(lambda v: v * scale).convert("L")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if not has_alpha:
        return image.convert("L") if mode != "CMYK" else image.convert("RGB").convert("L")
    rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A")
    if _extrema(alpha)[0] == 255:
        return rgba.convert("L")
    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    gray = Image.alpha_composite(paper, rgba).convert("L")
    lo, hi = _extrema(gray)
    a_lo, a_hi = _extrema(alpha)
    if hi - lo < 0.25 * (a_hi - a_lo):  # ink as light as the paper: the shape lives in alpha
        return Image.eval(alpha, lambda v: 255 - v)
    return gray


@functools.lru_cache(maxsize=65536)
def _ink_lut(background: int, darkest: int) -> Table:
    """Lookup table: paper -> 0, strongest ink -> 255, the bottom INK_FLOOR cut as noise."""
    span = abs(background - darkest) or 1
    lut = []
    for v in range(256):
        ink = (background - v) / span if background >= darkest else (v - background) / span
        ink = (ink - INK_FLOOR) / (1 - INK_FLOOR)
        lut.append(0 if ink <= 0 else 255 if ink >= 1 else round(ink * 255))
    return Table(lut)


def to_gray(image: Image.Image) -> Image.Image:
    """8-bit grey of any image, transparency composited over white; refuses tiny images."""
    if min(image.size) < MIN_SIDE:
        raise LettersError(f"image is {image.size[0]}x{image.size[1]} pixels, too small to hold a letter "
                           f"(need at least {MIN_SIDE}x{MIN_SIDE})")
    return _to_gray(image)


@functools.lru_cache(maxsize=64)
def _centres(n: int) -> tuple[float, ...]:
    return tuple(i + 0.5 for i in range(n))


def _centre_of_mass(image: Image.Image) -> tuple[float, float]:
    """Centre of mass in pixel units (pixel i spans [i, i+1])."""
    w, h = image.size
    cols = image.reduce((1, h)).tobytes()  # (w,) column means
    rows = image.reduce((w, 1)).tobytes()  # (h,) row means
    cx = sum(map(operator.mul, _centres(w), cols)) / (sum(cols) or 1)
    cy = sum(map(operator.mul, _centres(h), rows)) / (sum(rows) or 1)
    return cx, cy


LARGE_FRAME = 2048  # source pixels per side above which the frame is box-reduced before the crop


def sample_frame(image: Image.Image, box: tuple[float, float, float, float]) -> Image.Image:
    """Resample the source box to the IMAGE_SIZE square (linear); outside the image is 0.

    A frame larger than LARGE_FRAME (ink over thousands of pixels in a big photo) is first
    reduced by a whole factor, so the padded crop never reaches Pillow's bomb guard."""
    x0, y0, x1, y1 = box
    factor = int(max(x1 - x0, y1 - y0) // LARGE_FRAME) + 1
    if factor > 1:
        image = image.reduce(factor)
        x0, y0, x1, y1 = x0 / factor, y0 / factor, x1 / factor, y1 / factor
    left, top = int(x0) - 2, int(y0) - 2
    region = image.crop((left, top, int(x1) + 3, int(y1) + 3))  # crop pads with 0 outside
    return region.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR,
                         box=(x0 - left, y0 - top, x1 - left, y1 - top))


_BLANK = "no ink found: the image is blank (draw the letter darker or lighter than the paper)"


def fit_transform(gray: Image.Image) -> Transform:
    """The ink mapping, crop, scale and centring that put this grey image into the model's frame."""
    return _fit(gray)[0]


PHOTO_MARGIN = 48  # grey levels: content this much lighter AND darker than the border: the border is not paper
PAPER_SHARE = 0.05  # of the pixels at least, on one side of the border's grey: the paper
INK_SHARE = 0.001  # of the pixels at least, on the other side: the ink
WORK_SIDE = 160  # pixels: the longer side of the reduced copy in which the paper is found
STROKE_SHARE = 0.1  # filter radius over the longer side: wider than a pen stroke, narrower than a sheet


def _photo_ink(gray: Image.Image, background: int) -> str | None:
    """None when the border is the paper; "dark" or "light" ink when it is not: a photo of a
    sheet on a table, or with vignetting, where a large share of the pixels is much lighter
    than the border (the paper) and a few are much darker (the ink), or the reverse.
    (Never for an image whose border is as light or dark as it gets, like every generated glyph.)"""
    if not PHOTO_MARGIN <= background <= 255 - PHOTO_MARGIN:
        return None
    hist = gray.histogram()
    n = gray.size[0] * gray.size[1]
    lighter, darker = sum(hist[background + PHOTO_MARGIN:]), sum(hist[:background - PHOTO_MARGIN + 1])
    if min(lighter, darker) < INK_SHARE * n or max(lighter, darker) < PAPER_SHARE * n:
        return None
    return "dark" if lighter >= darker else "light"


def _rank(image: Image.Image, radius: int, grow: bool) -> Image.Image:
    """Max (grow) or min filter over a (2r+1)-square, as r passes of a 3x3 filter."""
    f = ImageFilter.MaxFilter(3) if grow else ImageFilter.MinFilter(3)
    for _ in range(radius):
        image = image.filter(f)
    return image


def _morph(image: Image.Image, radius: int, close: bool) -> Image.Image:
    """Closing (removes dark strokes thinner than the square) or opening (light strokes). Outside the
    image counts as the strokes' side, so a table strip along the edge stays what it is."""
    pad = radius + 1
    canvas = Image.new("L", (image.size[0] + 2 * pad, image.size[1] + 2 * pad), 0 if close else 255)
    canvas.paste(image, (pad, pad))
    canvas = _rank(_rank(canvas, radius, close), radius, not close)
    return canvas.crop((pad, pad, pad + image.size[0], pad + image.size[1]))


def flatten_paper(gray: Image.Image, dark: bool = True) -> Image.Image:
    """The ink on uniform paper, for a photo whose border is not the paper.

    Ink is what is thin: in a reduced copy, a closing (or, for light ink, an opening) wider
    than any pen stroke gives the local paper grey everywhere, the sheet and the table
    alike, following vignetting; the ink is how far each pixel departs from it. Dark ink
    comes back dark on white, light ink light on black; paper noise is floored away."""
    w, h = gray.size
    factor = -(-max(w, h) // WORK_SIDE)
    small = gray.reduce(factor) if factor > 1 else gray
    radius = max(2, round(max(small.size) * STROKE_SHARE))
    # one more reduced pixel of margin, so the upscaled paper never spills over a sheet's edge onto the table
    paper = _rank(_morph(small, radius, dark), 1, not dark)
    paper = paper.resize((w, h), Image.Resampling.BILINEAR, box=(0, 0, w / factor, h / factor))
    ink = ImageChops.subtract(paper, gray) if dark else ImageChops.subtract(gray, paper)
    counts = list(itertools.accumulate(ink.histogram()))
    noise = 4 * bisect.bisect_left(counts, 0.75 * counts[-1])  # most of a photo is paper: its spread
    ink = ink.point(lambda v: max(0, v - noise))
    return ImageChops.invert(ink) if dark else ink


def _fit(gray: Image.Image) -> tuple[Transform, Image.Image]:
    """The transform, and the framed ink before the gain (so preprocess need not resample twice)."""
    background = _border_median(gray)
    photo_ink = _photo_ink(gray, background)
    if photo_ink is not None:
        gray = flatten_paper(gray, photo_ink == "dark")
        background = _border_median(gray)
    lo, hi = _extrema(gray)
    darkest = int(lo if background >= 128 else hi)  # light paper means dark ink, and the reverse
    if abs(background - darkest) < 16:
        raise LettersError(_BLANK)
    ink = gray.point(_ink_lut(background, darkest))
    bbox = ink.getbbox()
    if bbox is None:
        raise LettersError(_BLANK)
    x0, y0, x1, y1 = bbox
    side = IMAGE_SIZE * max(x1 - x0, y1 - y0) / FIT_SIZE  # source pixels under the 28 px frame
    mx, my = _centre_of_mass(ink.crop(bbox))  # the frame's centre goes on the ink's centre of mass
    cx, cy = x0 + mx, y0 + my
    box = (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
    framed = sample_frame(ink, box)
    return Transform(background, darkest, box, max(int(_extrema(framed)[1]), 1)), framed


@functools.lru_cache(maxsize=256)
def _gain_lut(peak: int) -> Table:
    return Table([min(255, round(v * 255 / peak)) for v in range(256)])


def apply_transform(gray: Image.Image, transform: Transform) -> Image.Image:
    """Put a grey image into the 28x28 frame that `transform` describes (ink 255, paper 0)."""
    ink = gray.point(_ink_lut(transform.background, transform.darkest))
    return sample_frame(ink, transform.box).point(_gain_lut(transform.peak))


def preprocess(image: Image.Image) -> tuple[Image.Image, Transform]:
    """Turn any image into the model's input: a 28x28 'L' image, ink 255, paper 0.

    Divide by 255 for the float input in [0, 1]. Raises LettersError for an image
    too small or with no ink.
    """
    return preprocess_gray(to_gray(image))


def preprocess_gray(gray: Image.Image) -> tuple[Image.Image, Transform]:
    """`preprocess` for an image that is already 8-bit grey (the generator's raw glyphs)."""
    transform, framed = _fit(gray)
    return framed.point(_gain_lut(transform.peak)), transform  # = apply_transform(gray, transform)
