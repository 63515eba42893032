"""The draw pad: strokes from a drawing in, what the network sees and does out.

A drawing is a list of strokes, each a list of points given as fractions of the canvas side
and a pen width. `Pad` draws the strokes with Pillow, puts the picture through the one
`preprocess` function and the model, and returns an `Update`: the 28x28 input, P(letter), whether
it is unsure and why (the one rule classify uses, the none-of-the-letters detector included), the
hidden units that push the answer most with their response (the analysis's one definition), every
stroke role lit by its units, and each drawn stroke named by the role it overlaps most. What each
unit does comes once, at start-up, from the analysis. No HTTP here: `drawserver` serves a Pad;
`file_drawing` files a drawing for `--collect`.
"""

from __future__ import annotations

import base64
import io
import math
import os
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import torch
from PIL import Image, ImageDraw

from ..alphabet import ROLES, letter_roles
from ..config import AnalysisConfig, ClassifyConfig, DrawConfig
from ..errors import LettersError
from ..files import MKSTEMP_RANDOM, remove_if_stale
from ..inputs.preprocess import IMAGE_SIZE, apply_transform, preprocess
from ..inputs.tensors import as_input, image_tensor
from ..network.model import ACTIVE as EPSILON
from ..network.model import LetterMLP, unit_name
from ..network.novelty import novelty_scores
from ..network.predict import unsure_reasons
from ..show.pictures import weight_tile
from ..show.words import reasons_text, unit_label, unit_sides
from ..study.analysis import analyze_model
from ..study.forward import pushes, unit_votes
from ..study.probes import Probes, mean_masks, mean_probe_images
from ..study.units import UnitReport, ink_reference, response

INVERT = [255 - v for v in range(256)]  # ink 255 -> dark on white, for showing the network's input


class BadDrawing(LettersError):
    """A drawing the pad refuses; the message is the one-line reason."""


@dataclass(frozen=True)
class Stroke:
    points: tuple[tuple[float, float], ...]  # (x, y) as fractions of the canvas side, y down
    width: float  # pen width, fraction of the canvas side


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadDrawing(f"{what} is not a number")
    try:
        value = float(value)
    except OverflowError:  # an integer of hundreds of digits
        raise BadDrawing(f"{what} is too large") from None
    if not math.isfinite(value):
        raise BadDrawing(f"{what} is not a finite number")
    return value


def parse_strokes(value, config: DrawConfig) -> list[Stroke]:
    """Decoded JSON `[{"points": [[x, y], ...], "width": w}, ...]` -> strokes, every field checked;
    BadDrawing names the first problem."""
    if not isinstance(value, list):
        raise BadDrawing("strokes must be a list")
    if len(value) > config.max_strokes:
        raise BadDrawing(f"{len(value)} strokes is over the limit of {config.max_strokes}")
    lo, hi = config.pen
    strokes, total = [], 0
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"points", "width"}:
            raise BadDrawing(f"stroke {i}: give an object with exactly points and width")
        points = item["points"]
        if not isinstance(points, list) or not points:
            raise BadDrawing(f"stroke {i}: points must be a non-empty list of [x, y]")
        total += len(points)
        if total > config.max_points:
            raise BadDrawing(f"the drawing has over {config.max_points} points, the limit")
        width = _number(item["width"], f"stroke {i} width")
        if not lo <= width <= hi:
            raise BadDrawing(f"stroke {i} width {width:g} is outside {lo:g}..{hi:g} (a fraction of the canvas)")
        out = []
        for j, point in enumerate(points):
            if not isinstance(point, list) or len(point) != 2:
                raise BadDrawing(f"stroke {i} point {j}: give [x, y]")
            x, y = _number(point[0], f"stroke {i} point {j} x"), _number(point[1], f"stroke {i} point {j} y")
            if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                raise BadDrawing(f"stroke {i} point {j}: coordinates must lie in 0..1 (fractions of the canvas)")
            out.append((x, y))
        strokes.append(Stroke(tuple(out), width))
    return strokes


SHARP_TURN = 0.2  # radians: a join turning more than this gets a round disc (less leaves a wedge under 1 px)


def _joins(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The ends and the points where the path turns sharply: where a wide line needs a round cap."""
    keep = [points[0]]
    for (ax, ay), (bx, by), (cx, cy) in zip(points, points[1:], points[2:]):
        ux, uy, vx, vy = bx - ax, by - ay, cx - bx, cy - by
        if abs(math.atan2(ux * vy - uy * vx, ux * vx + uy * vy)) > SHARP_TURN:
            keep.append((bx, by))
    keep.append(points[-1])
    return keep


def render(strokes: list[Stroke], size: int = DrawConfig.render) -> Image.Image:
    """Black strokes with round ends and joins on a white `size` x `size` 'L' image, as a pen on paper."""
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    for stroke in strokes:
        width = max(1.0, stroke.width * size)
        points = [(x * size, y * size) for x, y in stroke.points]
        if len(points) > 1:
            draw.line(points, fill=0, width=round(width))
        r = width / 2
        for x, y in _joins(points):  # discs, not joint="curve": the same round joins, 20x faster
            draw.ellipse((x - r, y - r, x + r, y + r), fill=0)
    return image


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def data_url(image: Image.Image) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode("ascii")


@dataclass
class UnitInfo:
    """A hidden unit as the page shows it on hover: both sides."""

    id: str  # "L<layer>.<index>", as classify --explain names units
    layer: int
    index: int
    label: str  # what it does, in words (show.words.unit_label)
    category: str  # study.units.CATEGORIES
    stroke: str | None  # the stroke it fires on most
    sides: str  # what it fires on, its votes, the whole letter that raises it most
    bias: float
    baseline: float  # activation on a blank page (ReLU(bias) for the first layer)
    fires_alone: bool  # the analysis's verdict: the baseline is at or above its firing floor
    votes: dict  # letter -> outgoing weight into its logit (through later layers for layer 1 of 2)
    weights_png: str  # incoming weights as a 28x28 red (+) / blue (-) image, data URL
    weights_scale: float  # the largest |weight|, full red or blue
    weights_note: str  # what the image shows


@dataclass
class RoleInfo:
    role: str
    detectors: list[str]  # unit ids whose response lights this role
    kind: str  # "detector": its detector units; "lookalike": lookalike units firing on it most; "firing"; "none"
    picture_png: str  # the role's mean probe image, data URL


@dataclass
class Catalogue:
    """Everything fixed for a run: classes, units, roles."""

    classes: list[str]
    hidden: list[int]
    units: list[UnitInfo]
    roles: list[RoleInfo]
    min_confidence: float
    detector: bool  # the checkpoint has a none-of-the-letters detector


@dataclass
class UnitFiring:
    id: str
    label: str
    activation: float
    response: float  # its rise over the blank page per unit of ink: the analysis's one definition
    bias: float
    vote: float  # activation x outgoing weight into the predicted letter: the unit's push on the answer


@dataclass
class RoleLight:
    role: str
    level: float  # 0..1: mean over its units of their response as a share (at most 1) of their response to this stroke alone


@dataclass
class Update:
    """What the network makes of one drawing."""

    blank: bool  # no ink: nothing else is filled in
    prediction: str | None
    unsure: bool  # the one unsure rule (network.predict.unsure_reasons)
    reasons: list[str] = field(default_factory=list)  # its reason codes
    reason: str = ""  # the same in words
    none_score: float | None = None  # the none-of-the-letters detector's score
    probabilities: dict = field(default_factory=dict)  # letter -> P
    input_png: str = ""  # the 28x28 image the network sees, ink dark, data URL
    units: list[UnitFiring] = field(default_factory=list)  # last hidden layer, largest vote first
    roles: list[RoleLight] = field(default_factory=list)  # every role, in ROLES order
    strokes: int = 0  # strokes drawn
    stroke_roles: list[str] = field(default_factory=list)  # each drawn stroke named by the role of the predicted letter it overlaps most


def _detectors(units: list[UnitReport]) -> dict:
    """role -> (kind, [(layer0, unit, response to the stroke alone)]): the units whose response lights it."""
    out = {}
    for role in ROLES:
        picks = {
            "detector": [u for u in units if u.category == "detector" and u.stroke == role],
            "lookalike": [u for u in units if u.category == "lookalike" and u.stroke == role],
            "firing": [u for u in units if role in u.fires_on],
        }
        kind, chosen = next(((k, v) for k, v in picks.items() if v), ("none", []))
        refs = [(u.layer - 1, u.index, u.response[role]) for u in chosen if u.response[role] > EPSILON]
        out[role] = (kind if refs else "none", refs)
    return out


class Pad:
    """A model with what the analysis says of its units, ready to read drawings."""

    def __init__(self, model: LetterMLP, classes: list[str], units: list[UnitReport], probes: Probes,
                 config: DrawConfig | None = None, min_confidence: float = ClassifyConfig.min_confidence,
                 novelty: tuple[LetterMLP, float] | None = None):
        self.model = model.cpu().eval()
        self.reference = ink_reference(probes)  # responses scaled as the analysis scales them
        self.classes = list(classes)
        self.config = config or DrawConfig()
        self.min_confidence = min_confidence
        self.novelty = novelty
        with torch.no_grad():
            blank = torch.zeros(1, IMAGE_SIZE * IMAGE_SIZE)
            blank_acts = self.model.hidden_activations(blank)
            self.baselines = [a[0].tolist() for a in blank_acts]
            self.blank_last = blank_acts[-1][0]  # for each unit's push: its rise over the blank page
            self.hidden = self.model.layers()[:-1]  # the hidden nn.Linear layers, input side first
            self.biases = [layer.bias.detach().tolist() for layer in self.hidden]
        self.reports = {(u.layer, u.index): u for u in units}
        self.detectors = _detectors(units)
        self.masks = dict(zip(ROLES, mean_masks(probes)))  # role -> (784,) mean mask, for naming drawn strokes
        self.catalogue = self._catalogue(mean_probe_images(probes))

    @classmethod
    def load(cls, path: str | Path, config: DrawConfig | None = None) -> Pad:
        """Read a checkpoint and analyse its units (seconds: it probes every stroke)."""
        from ..network.checkpoint import load_model
        from ..network.novelty import load_novelty

        config = config or DrawConfig()
        model, checkpoint = load_model(path)
        report, probes = analyze_model(model, AnalysisConfig(probes=config.probes), example=False)
        return cls(model, checkpoint["classes"], report.units, probes, config, novelty=load_novelty(checkpoint))

    def responses(self, x: torch.Tensor, acts: list[torch.Tensor]) -> list[list[float]]:
        """Per layer, every unit's response to the drawing: the analysis's one definition (study.units)."""
        return [response(a, torch.tensor(base), x, self.reference).tolist() for a, base in zip(acts, self.baselines)]

    def _label(self, layer: int, index: int) -> str:
        report = self.reports.get((layer, index))
        return unit_label(report) if report else "?"

    def _catalogue(self, role_pictures: dict) -> Catalogue:
        votes = unit_votes(self.model)
        first = self.hidden[0].weight.detach()
        units = []
        for li, layer in enumerate(self.hidden):
            # a deeper unit's incoming weights are not an image: show them through the first layer
            maps = first if li == 0 else layer.weight.detach() @ first
            note = ("incoming weights" if li == 0 else
                    "incoming weights through layer 1 (W2 x W1, every first-layer unit taken as on)")
            for u in range(layer.out_features):
                weights = maps[u].tolist()
                report = self.reports[(li + 1, u)]
                units.append(UnitInfo(
                    id=unit_name(li + 1, u), layer=li + 1, index=u, label=unit_label(report), category=report.category,
                    stroke=report.stroke, sides=unit_sides(report), bias=round(self.biases[li][u], 4),
                    baseline=round(self.baselines[li][u], 4), fires_alone=report.bias_fires,
                    votes={c: round(float(votes[li][k, u]), 4) for k, c in enumerate(self.classes)},
                    weights_png=data_url(weight_tile(weights, IMAGE_SIZE, zoom=1)),
                    weights_scale=round(max(abs(w) for w in weights), 4), weights_note=note))
        roles = []
        for role in ROLES:
            kind, chosen = self.detectors[role]
            picture = role_pictures.get(role)
            png = ""
            if picture is not None:
                peak = float(picture.max()) or 1.0
                ink = (255 - picture * (255.0 / peak)).clamp(0, 255).round().to(torch.uint8)
                png = data_url(Image.frombytes("L", (IMAGE_SIZE, IMAGE_SIZE), bytes(ink.flatten().tolist())))
            roles.append(RoleInfo(role, [unit_name(layer + 1, u) for layer, u, _ in chosen], kind, png))
        return Catalogue(list(self.classes), list(self.model.dims.hidden), units, roles, self.min_confidence,
                         self.novelty is not None)

    def update(self, strokes: list[Stroke]) -> Update:
        """Render, preprocess, run the network: the whole answer for one drawing."""
        if not strokes:
            return Update(blank=True, prediction=None, unsure=False, roles=self._dark_roles())
        try:
            seen, transform = preprocess(render(strokes, self.config.render))
        except LettersError:  # no ink at all (the one preprocessing function says so)
            return Update(blank=True, prediction=None, unsure=False, roles=self._dark_roles(), strokes=len(strokes))
        image = image_tensor(seen)
        x = as_input(image)
        with torch.no_grad():
            acts = self.model.hidden_activations(x)
            rises = self.responses(x, acts)
            probs: list[float] = torch.softmax(self.model.output(acts[-1]), 1)[0].tolist()
            score = float(novelty_scores(self.novelty[0], image[None])[0]) if self.novelty else None
        top = max(range(len(probs)), key=probs.__getitem__)
        values = [a[0].tolist() for a in acts]  # per layer, every unit's activation
        layer, last = len(values), values[-1]
        push = pushes(self.model, acts[-1][0], self.model.output.weight[top].detach(), self.blank_last).tolist()
        order = sorted(range(len(push)), key=push.__getitem__, reverse=True)[: self.config.top_units]
        units = [UnitFiring(unit_name(layer, u), self._label(layer, u), round(last[u], 4), round(rises[-1][u], 4),
                            round(self.biases[layer - 1][u], 4), round(push[u], 4)) for u in order if push[u] > EPSILON]
        reasons = unsure_reasons(probs[top], score, self.novelty[1] if self.novelty else None, self.min_confidence)
        update = Update(
            blank=False, prediction=self.classes[top], unsure=bool(reasons), reasons=reasons,
            none_score=None if score is None else round(score, 4),
            probabilities={c: round(p, 4) for c, p in zip(self.classes, probs)},
            input_png=data_url(seen.point(INVERT)), units=units, roles=self._role_lights(rises), strokes=len(strokes),
            stroke_roles=self._stroke_roles(strokes, transform, self.classes[top]))
        update.reason = reasons_text(SimpleNamespace(reasons=reasons, none_score=update.none_score,
                                                     threshold=self.novelty[1] if self.novelty else None,
                                                     probabilities=update.probabilities))
        return update

    def _stroke_roles(self, strokes: list[Stroke], transform, letter: str) -> list[str]:
        """Each stroke drawn alone in the whole drawing's frame, named by the role of `letter` whose mean
        mask it overlaps most (cosine of the two images)."""
        roles = letter_roles(letter)
        names = []
        for stroke in strokes:
            alone = as_input(image_tensor(apply_transform(render([stroke], self.config.render), transform)))[0]
            scores = [float(alone @ self.masks[r]) / (float(alone.norm() * self.masks[r].norm()) or 1.0) for r in roles]
            names.append(roles[max(range(len(roles)), key=scores.__getitem__)])
        return names

    def _role_lights(self, rises: list[list[float]]) -> list[RoleLight]:
        lights = []
        for role in ROLES:
            _, chosen = self.detectors[role]
            # each unit counts up to its response to the stroke alone, so a few very loud units cannot light it
            shares = [min(1.0, max(0.0, rises[layer][u]) / ref) for layer, u, ref in chosen]
            level = sum(shares) / len(shares) if shares else 0.0
            lights.append(RoleLight(role, round(level, 3)))
        return lights

    def _dark_roles(self) -> list[RoleLight]:
        return [RoleLight(role, 0.0) for role in ROLES]


def file_drawing(root: str | Path, letter: str, png: bytes) -> Path:
    """Write `png` as a new file under root/letter/ with a name made here; never replaces a
    file, never leaves a partial one (written beside, then linked into place)."""
    folder = Path(root) / letter
    folder.mkdir(parents=True, exist_ok=True)
    for stray in folder.glob(".drawing-*.tmp"):  # a killed server's; the name has no pid, so only once stale
        if MKSTEMP_RANDOM.fullmatch(stray.name[len(".drawing-"):-len(".tmp")]):
            remove_if_stale(stray)
    fd, tmp = tempfile.mkstemp(prefix=".drawing-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(png)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        for _ in range(100):
            target = folder / f"{letter}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}.png"
            try:
                os.link(tmp, target)  # fails if the name exists: nothing is ever replaced
                return target
            except FileExistsError:
                continue
            except OSError:  # a file system without hard links: claim the name, then move the file onto it
                try:
                    os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
                except FileExistsError:
                    continue
                os.replace(tmp, target)
                return target
        raise LettersError(f"could not find a free file name in {folder}")
    finally:
        Path(tmp).unlink(missing_ok=True)
