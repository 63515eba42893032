"""Photos of paper: the light and the paper flattened away, the ink's polarity decided, what is odd noted.

An image is clean when its border is one flat tone and most of the picture is that tone (every
generated glyph, every drawing on screen, a scan); everything else is read as a photo. In a photo, ink
is what is thin: a closing (an opening, for light ink) wider than any pen stroke, computed on a reduced
copy, gives the local paper everywhere (the sheet, the desk, a shadow, a lighting ramp, a vignette), and
the ink is how far each pixel departs from it; a long thin straight line is a rule of the paper, removed at
its own strength (ink written over it stays). A step between a sheet and a desk is not thin, so it is
never ink. The ink's polarity is decided on the paper, never on the border or the residuals (the paper
inside an A's triangle is a light thin shape too): the paper is the median grey of the middle of the
picture, where people put their letter and where a ramp or a vignette moves it least, and the ink is
whichever extreme of the middle lies further from it; light ink only on dark paper (a blackboard).
`findings` notes what makes a reading doubtful: no ink, ink cut by the frame, several letters, no paper.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, replace
from typing import Any

from PIL import Image

WORK_SIDE = 640  # pixels: a photo is read at most this big (plenty for a 28x28 letter, quick at any size)
STROKE_SHARE = 0.06  # filter radius over the longer side: wider than a pen stroke, narrower than a sheet
INK_SHARE = 0.2  # of the strong ink's contrast: weaker departures from the paper are not ink
RULE_SHARE = 0.3  # a straight line at least this share of the picture long is a rule of the paper, not ink
RULE_OVER = 2.0  # ... and on it, only ink departing from the paper more than this many times the rule's median stays
FRAMED_WINS = 0.25  # the heaviest part away from the frame is the letter unless one touching it is 4 times heavier
NEAR_SHARE = 0.35  # parts within this share of the letter's size of it belong to it (a detached bowl or bar)
SPECK_SHARE = 0.02  # ... if they carry at least this share of its ink (smaller ones are specks of dust)
FLAT_BORDER = 12  # grey levels: a clean image's border pixels sit this close to their median ...
FLAT_SHARE = 0.95  # ... this share of them at least
EXACT = 2  # ... and this share of the whole picture sits within EXACT levels of that tone: a digital ground
PAPER_SHARE = 0.35  # (a camera's noise spreads even flat paper: photos measured 0.03 to 0.28, scans 0.40 and up)
DARK_PAPER = 110  # paper darker than this may carry light ink (a blackboard: about 40); paper of any colour is lighter
MIDDLE = 0.25  # the middle of the picture: this share of each side cut off on every edge
EXTREME = 0.01  # the middle's darkest and lightest ink: its 1st and 99th percentiles (ink is a few per cent of it)
MIN_CONTRAST = 24  # grey levels: strongest ink (the residual's 99.9th percentile) this close to its median: blank paper
NOISE_SHARE = 0.25  # rough paper: the median residual over the strong ink's: no paper to read a letter on
EDGE_SHARE = 0.02  # share of the ink on the outermost pixels of the frame: the letter is cut by it
GAP_SHARE = 0.3  # an empty band this wide (times the ink's other side) splitting the ink: several letters ...
PART_SHARE = 0.25  # ... when each side holds at least this share of the ink (or a far part, of the letter's)
FINDINGS = ("blank", "noise", "cut", "several")  # what a reading may note; reasons an answer is unsure


@dataclass(frozen=True)
class Reading:
    """How the ink was found in one image (for LETTERS_DEBUG and the unsure rule)."""

    photo: bool  # read as a photo (flattened) rather than a clean image
    polarity: str  # "dark" or "light" ink
    margin: float  # dark residual mass over light (above 1: dark); what decided the polarity
    paper: int  # 0..255, the paper's median grey
    findings: tuple[str, ...] = ()  # of FINDINGS


def histogram_share(histogram: list[int], low: int, high: int) -> float:
    total = sum(histogram) or 1
    return sum(histogram[max(0, low):min(256, high + 1)]) / total


def is_clean(gray: Image.Image, border: int, frame_histogram: list[int]) -> bool:
    """A flat border, and the picture mostly that tone: a scan, a drawing, a generated glyph."""
    return (histogram_share(frame_histogram, border - FLAT_BORDER, border + FLAT_BORDER) >= FLAT_SHARE
            and histogram_share(gray.histogram(), border - EXACT, border + EXACT) >= PAPER_SHARE)


def _quantile(values, q: float) -> int:
    """The q-quantile of uint8 values (a Pillow image or a numpy array), from their histogram."""
    if isinstance(values, Image.Image):
        counts = list(itertools.accumulate(values.histogram()))
    else:
        import numpy as np

        counts = list(itertools.accumulate(np.bincount(values.ravel(), minlength=256).tolist()))
    return bisect.bisect_left(counts, q * counts[-1])


def _polarity(small) -> tuple[bool, float, int]:
    """(light ink, margin, paper): the ink is the extreme of the middle of the picture further from its
    paper, light only on paper darker than DARK_PAPER; margin = how far the dark extreme lies over the light."""
    h, w = small.shape
    middle = small[int(h * MIDDLE):max(int(h * (1 - MIDDLE)), 1), int(w * MIDDLE):max(int(w * (1 - MIDDLE)), 1)]
    paper, lo, hi = (_quantile(middle, q) for q in (0.5, EXTREME, 1 - EXTREME))
    return paper < DARK_PAPER and hi - paper > paper - lo, round((paper - lo + 1.0) / (hi - paper + 1.0), 3), paper


def _paper(small, radius: int, dark: bool):
    """The local paper under dark ink (a closing: thin dark shapes filled in) or light ink (an opening). The
    outside counts as the ink's side, so a strip of table along the edge stays what it is, never ink."""
    import cv2

    pad = radius + 2
    framed = cv2.copyMakeBorder(small, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0 if dark else 255)
    square = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * radius + 1, 2 * radius + 1))
    paper = cv2.morphologyEx(framed, cv2.MORPH_CLOSE if dark else cv2.MORPH_OPEN, square)
    # one more pixel of margin, so the paper never spills over a sheet's edge onto the table
    paper = (cv2.erode if dark else cv2.dilate)(paper, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    return paper[pad:-pad, pad:-pad]


def _rules(mask, side: int):
    """A mask of the long thin straight lines in an ink mask (a ruled or squared sheet's lines, a margin): of its
    thin parts (what a 9-pixel square does not cover), long horizontal and vertical runs (an opening with a line
    RULE_SHARE of the picture long, 3 px thick, so a slightly tilted rule passes) and long segments at any
    angle, all a little thickened. A shadow or a ramp of light is no line: it is not thin."""
    import cv2
    import numpy as np

    length = max(9, int(RULE_SHARE * side))
    mask = cv2.subtract(mask, cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((9, 9), np.uint8)))  # thin parts only
    rules = cv2.bitwise_or(cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, length), np.uint8)),
                           cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((length, 3), np.uint8)))
    lines = cv2.HoughLinesP(mask, 1, np.pi / 360, threshold=max(20, length // 2), minLineLength=length,
                            maxLineGap=max(3, side // 40))
    for x0, y0, x1, y1 in ([] if lines is None else lines.reshape(-1, 4)):
        cv2.line(rules, (int(x0), int(y0)), (int(x1), int(y1)), 255, 3)
    return cv2.dilate(rules, np.ones((3, 3), np.uint8))


def _letter(mask, residual) -> tuple[Any, tuple[str, ...]]:
    """Keep the ink that makes the letter: the heaviest component away from the frame (or the heaviest of
    all, then "cut"), with the components near it; a far component nearly as heavy means "several"."""
    import cv2
    import numpy as np

    h, w = mask.shape
    joined = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))  # a broken stroke is one part
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    if count <= 1:
        return np.zeros_like(mask), ()
    mass = np.bincount(labels.ravel(), weights=(residual * (mask > 0)).ravel().astype(np.float64), minlength=count)
    mass[0] = 0.0
    x, y, cw, ch = stats[:, 0], stats[:, 1], stats[:, 2], stats[:, 3]
    framed = (x <= 0) | (y <= 0) | (x + cw >= w) | (y + ch >= h)
    inside = np.where(~framed, mass, 0.0)
    main = int(inside.argmax()) if inside.max() >= FRAMED_WINS * mass.max() else int(mass.argmax())
    grow = NEAR_SHARE * max(cw[main], ch[main])
    x0, y0, x1, y1 = x[main] - grow, y[main] - grow, x[main] + cw[main] + grow, y[main] + ch[main] + grow
    near = (x + cw >= x0) & (x <= x1) & (y + ch >= y0) & (y <= y1) & (mass >= SPECK_SHARE * mass[main])
    near[0] = False
    findings = []
    if framed[main]:
        findings.append("cut")
    if ((~near) & (mass >= PART_SHARE * mass[main])).any():
        findings.append("several")
    return np.where(near[labels], residual, 0).astype(np.uint8), tuple(findings)


def read_photo(gray: Image.Image) -> tuple[Image.Image, Reading]:
    """The ink of a photo as light on black (ink high, paper 0) at a working size of at most WORK_SIDE, and
    how it was found. OpenCV does the work: large morphology, long straight lines, connected components."""
    import cv2
    import numpy as np

    source = np.asarray(gray)
    scale = min(1.0, WORK_SIDE / max(source.shape))
    small = cv2.resize(source, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else source
    side = max(small.shape)
    radius = max(2, round(side * STROKE_SHARE))
    light, margin, paper_grey = _polarity(small)
    paper = _paper(small, radius, not light)
    residual = cv2.subtract(small, paper) if light else cv2.subtract(paper, small)
    middle, noise, peak = _quantile(residual, 0.5), 4 * _quantile(residual, 0.75), _quantile(residual, 0.999)
    reading = Reading(True, "light" if light else "dark", margin, paper_grey)
    if peak - middle < MIN_CONTRAST:  # nothing stands out of the paper's own grain
        return Image.new("L", gray.size), replace(reading, findings=("blank",))
    if middle > NOISE_SHARE * peak:  # everything stands out: there is no paper
        return Image.new("L", gray.size), replace(reading, findings=("noise",))
    mask = np.where(residual > max(noise, INK_SHARE * peak), 255, 0).astype(np.uint8)
    faint = np.where(residual > noise, 255, 0).astype(np.uint8)  # rules are often fainter than the ink
    rules = (_rules(faint, side) > 0) & (faint > 0)
    if rules.any():  # a rule goes at its own strength: ink written over it (a B's foot on the line) stays
        mask[rules & (residual <= RULE_OVER * np.median(residual[rules]))] = 0
    ink, findings = _letter(mask, residual)
    return Image.fromarray(ink), replace(reading, findings=findings)


def layout_findings(ink: Image.Image) -> tuple[str, ...]:
    """What the ink's layout says (ink high on 0): cut by the frame, or several letters side by side or in
    lines, split by an empty band wider than GAP_SHARE of the ink's other side."""
    found = []
    w, h = ink.size
    total = sum(v * n for v, n in enumerate(ink.histogram())) or 1
    inner = ink.crop((1, 1, w - 1, h - 1)) if w > 2 and h > 2 else ink
    inside = sum(v * n for v, n in enumerate(inner.histogram()))
    if (total - inside) / total > EDGE_SHARE:
        found.append("cut")
    box = ink.getbbox()
    if box is not None:
        part = ink.crop(box)
        pw, ph = part.size
        cols = list(part.reduce((1, ph)).tobytes()) if ph > 1 else list(part.tobytes())
        rows = list(part.reduce((pw, 1)).tobytes()) if pw > 1 else list(part.tobytes())
        if _split(cols, ph) or _split(rows, pw):
            found.append("several")
    return tuple(found)


def _split(profile: list[int], across: int) -> bool:
    """Whether an empty run wider than GAP_SHARE x `across` splits the profile into two substantial parts."""
    total = sum(profile) or 1
    run, before = 0, 0
    for k, v in enumerate(profile):
        if v == 0:
            run += 1
            continue
        if run >= max(2, GAP_SHARE * across) and PART_SHARE <= before / total <= 1 - PART_SHARE:
            return True
        run = 0
        before = sum(profile[:k + 1])
    return False
