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

from PIL import Image

from ..errors import LettersError
from .paper import Reading, is_clean, layout_findings, read_photo

CLEAN = Reading(photo=False, polarity="auto", margin=0.0, paper=-1)  # a clean image: polarity from the border

IMAGE_SIZE = 28  # pixels per side of the model's input
FIT_SIZE = 20  # pixels: the ink's longer side after scaling, as in MNIST
INK_FLOOR = 0.15  # fraction of the ink range treated as paper noise (JPEG ringing, paper grain)
MIN_SIDE = 8  # pixels: smaller images cannot hold a recognisable letter
PHOTO_SIDE = 64  # pixels: a smaller clean image is a scan or a crop, never a photo of paper
FAINT_EDGE = 0.5  # of the ink's peak: ink meeting the frame no stronger than this is a rule of the paper, not a stroke

PREPROCESSING = {  # stored in every checkpoint so a model records what it was trained on
    "image_size": IMAGE_SIZE, "fit_size": FIT_SIZE, "ink_floor": INK_FLOOR,
    "centre": "mass", "resample": "bilinear", "polarity": "auto", "alpha": "over-white",
}


@dataclass(frozen=True)
class Transform:
    """How one source image maps into the model's frame; reusable on a same-sized clean image."""

    background: int  # 0..255 grey of the paper (0 for a photo: its flattened ink is light on black)
    darkest: int  # 0..255 grey of the strongest ink (lighter than paper for light-on-dark)
    box: tuple[float, float, float, float]  # (x0, y0, x1, y1) source pixels seen by the 28x28 frame
    peak: int  # 1..255 brightest ink after resampling; the output is scaled so it becomes 255
    reading: Reading = CLEAN  # how the ink was found: a clean image, or a photo flattened (and its findings)


class NoInk(LettersError):
    """No letter to read: blank paper, or a picture with no paper at all (noise); `finding` says which."""

    def __init__(self, finding: str, message: str):
        super().__init__(message)
        self.finding = finding


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


def _clean_ink(gray: Image.Image, background: int) -> tuple[int, Image.Image]:
    """A clean image's darkest ink, and its ink mapped high on black: light paper means dark ink, and the
    reverse."""
    lo, hi = _extrema(gray)
    darkest = int(lo if background >= 128 else hi)
    return darkest, gray.point(_ink_lut(background, darkest))


def _faint_at_frame(ink: Image.Image) -> bool:
    """Whether a clean-looking photo's ink runs into its frame only faintly: the rules or the margin line
    of lined paper that a flat border let through. Read as ink they would shrink the letter to a speck in
    its frame, so such an image is read as the photo it is. A letter cropped tight, or a pen running on
    to the next letter, meets the frame at full strength and stays a clean image. (None of the scans in
    data/handwriting or data/real is read so; 44 of the photo set's are, 41 of them right, not 26.)"""
    w, h = ink.size
    edges = [_extrema(ink.crop(box))[1] for box in ((0, 0, w, 1), (0, h - 1, w, h), (0, 0, 1, h), (w - 1, 0, w, h))]
    return 0 < max(edges) <= FAINT_EDGE * _extrema(ink)[1]


_NOISE = "no paper found: the picture is noise or texture all over, with no letter on a plain ground"


def _fit(gray: Image.Image, generated: bool = False) -> tuple[Transform, Image.Image]:
    """The transform, and the framed ink before the gain (so preprocess need not resample twice).
    `generated`: the generator's own canvas (white ink on exact black), read as the clean image it is and
    without the layout findings (its hot path; its near misses are specks all over by design)."""
    background = _border_median(gray)
    reading = CLEAN
    photo_sized = not generated and min(gray.size) >= PHOTO_SIDE
    clean = None
    if not photo_sized or is_clean(gray, background, gray.histogram(_frame_mask(gray.size))):
        clean = _clean_ink(gray, background)  # computed once: kept unless its faint frame says photo
        if photo_sized and _faint_at_frame(clean[1]):
            clean = None
    if clean is None:
        gray, reading = read_photo(gray)  # the ink, light on black
        if "blank" in reading.findings:
            raise NoInk("blank", _BLANK)
        if "noise" in reading.findings:
            raise NoInk("noise", _NOISE)
        background = 0
        clean = _clean_ink(gray, background)
    darkest, ink = clean
    if abs(background - darkest) < 16:
        raise NoInk("blank", _BLANK)
    bbox = ink.getbbox()
    if bbox is None:
        raise NoInk("blank", _BLANK)
    findings = reading.findings + (() if generated else layout_findings(ink))
    x0, y0, x1, y1 = bbox
    side = IMAGE_SIZE * max(x1 - x0, y1 - y0) / FIT_SIZE  # source pixels under the 28 px frame
    mx, my = _centre_of_mass(ink.crop(bbox))  # the frame's centre goes on the ink's centre of mass
    cx, cy = x0 + mx, y0 + my
    box = (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
    framed = sample_frame(ink, box)
    reading = Reading(reading.photo, reading.polarity, reading.margin, reading.paper, findings)
    return Transform(background, darkest, box, max(int(_extrema(framed)[1]), 1), reading), framed


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


def preprocess_gray(gray: Image.Image, generated: bool = False) -> tuple[Image.Image, Transform]:
    """`preprocess` for an image that is already 8-bit grey (the generator's raw canvases: generated=True)."""
    transform, framed = _fit(gray, generated)
    return framed.point(_gain_lut(transform.peak)), transform  # = apply_transform(gray, transform)
