"""The draw pad: strokes from a drawing in, what the network sees and does out.

A drawing is a list of strokes, each a list of points given as fractions of the canvas side
and a pen width. `Pad` draws the strokes with Pillow, puts the picture through the one
`preprocess` function and the model, and returns an `Update`: the 28x28 input, P(letter),
the hidden units that push the answer most (stroke label, activation, bias, vote), and the
nine stroke roles lit by their detector units. Unit labels come once, at start-up, from the
analysis module (`unit_profiles`, the one place that calls it). No HTTP here: `drawserver`
serves a Pad; `file_drawing` files a drawing for `--collect`.
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

import torch
from PIL import Image, ImageDraw

from .config import AnalysisConfig, ClassifyConfig, DrawConfig
from .errors import LettersError
from .files import MKSTEMP_RANDOM, remove_if_stale
from .model import LetterMLP
from .pictures import weight_tile
from .preprocess import IMAGE_SIZE, preprocess
from .strokes import ROLES
from .tensors import image_tensor

EPSILON = 1e-6  # activations at or below this count as silent (as in the analysis)
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


@dataclass(frozen=True)
class UnitProfile:
    """What the analysis says about one hidden unit (the part the pad uses)."""

    layer: int  # 1 = first hidden layer
    index: int
    label: str  # a role such as "C.top_curve", or "mixed", "bias-only", "weak", "dead"
    fires_on: tuple[str, ...]  # roles it fires on
    stroke_activation: dict  # role -> mean activation on that stroke drawn alone
    bias_fires: bool  # the analysis's verdict: its bias alone makes it fire on a blank page


def unit_profiles(model: LetterMLP, probes: int, seed: int = AnalysisConfig.seed) -> tuple[list[UnitProfile], dict]:
    """The one call into the analysis module: every hidden unit's profile, and the mean
    probe image of each role ((28, 28) float, 0..255) for the page's row of roles."""
    from .analysis import analyze_model, mean_probe_images

    report, probe_set = analyze_model(model, AnalysisConfig(probes=probes, seed=seed), examples=False)
    profiles = [UnitProfile(u.layer, u.index, u.label, tuple(u.fires_on), dict(u.stroke_activation), bool(u.bias_fires))
                for u in report.units]
    return profiles, mean_probe_images(probe_set)


@dataclass
class UnitInfo:
    """A hidden unit as the page shows it on hover."""

    id: str  # "L<layer>.<index>", as classify --explain names units
    layer: int
    index: int
    label: str
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
    detectors: list[str]  # unit ids whose firing lights this role
    kind: str  # "labelled": units labelled with it; "shared": labelled units that also fire on it; "mixed"; "none"
    picture_png: str  # the role's mean probe image, data URL


@dataclass
class Catalogue:
    """Everything fixed for a run: classes, units, roles."""

    classes: list[str]
    hidden: list[int]
    units: list[UnitInfo]
    roles: list[RoleInfo]
    min_confidence: float


@dataclass
class UnitFiring:
    id: str
    label: str
    activation: float
    bias: float
    vote: float  # activation x outgoing weight into the predicted letter: the unit's push on the answer


@dataclass
class RoleLight:
    role: str
    level: float  # 0..1: mean over its detector units of their response as a share (at most 1) of it to this stroke alone


@dataclass
class Update:
    """What the network makes of one drawing."""

    blank: bool  # no ink: nothing else is filled in
    prediction: str | None
    unsure: bool  # top probability under the classify threshold
    probabilities: dict = field(default_factory=dict)  # letter -> P
    input_png: str = ""  # the 28x28 image the network sees, ink dark, data URL
    units: list[UnitFiring] = field(default_factory=list)  # last hidden layer, largest vote first
    roles: list[RoleLight] = field(default_factory=list)  # the nine roles, in ROLES order
    strokes: int = 0  # strokes drawn


def _detectors(profiles: list[UnitProfile], baselines: list[list[float]]) -> dict:
    """role -> (kind, [(layer0, unit, reference response)]): the units whose firing lights it."""
    out = {}
    for role in ROLES:
        picks = {
            "labelled": [p for p in profiles if p.label == role],
            "shared": [p for p in profiles if role in p.fires_on and p.label in ROLES],
            "mixed": [p for p in profiles if role in p.fires_on],
        }
        kind, units = next(((k, v) for k, v in picks.items() if v), ("none", []))
        chosen = []
        for p in units:
            reference = p.stroke_activation[role] - baselines[p.layer - 1][p.index]
            if reference > EPSILON:
                chosen.append((p.layer - 1, p.index, reference))
        out[role] = (kind if chosen else "none", chosen)
    return out


class Pad:
    """A model with its unit profiles, ready to read drawings."""

    def __init__(self, model: LetterMLP, classes: list[str], profiles: list[UnitProfile], role_pictures: dict,
                 config: DrawConfig | None = None, min_confidence: float = ClassifyConfig.min_confidence):
        self.model = model.cpu().eval()
        self.classes = list(classes)
        self.config = config or DrawConfig()
        self.min_confidence = min_confidence
        with torch.no_grad():
            blank = torch.zeros(1, IMAGE_SIZE * IMAGE_SIZE)
            self.baselines = [a[0].tolist() for a in self.model.hidden_activations(blank)]
            self.hidden = self.model.layers()[:-1]  # the hidden nn.Linear layers, input side first
            self.biases = [layer.bias.detach().tolist() for layer in self.hidden]
            self.output_lists = self.model.output.weight.detach().tolist()  # (classes, last units)
        self.labels = {(p.layer, p.index): p.label for p in profiles}
        self.bias_fires = {(p.layer, p.index): p.bias_fires for p in profiles}
        self.detectors = _detectors(profiles, self.baselines)
        self.catalogue = self._catalogue(role_pictures)

    @classmethod
    def load(cls, path: str | Path, config: DrawConfig | None = None) -> Pad:
        """Read a checkpoint and profile its units (seconds: it probes every stroke)."""
        from .checkpoint import load_model

        config = config or DrawConfig()
        model, checkpoint = load_model(path)
        profiles, pictures = unit_profiles(model, config.probes)
        return cls(model, checkpoint["classes"], profiles, pictures, config)

    def unit_id(self, layer: int, index: int) -> str:
        return f"L{layer}.{index}"

    def _catalogue(self, role_pictures: dict) -> Catalogue:
        from .analysis import unit_votes

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
                baseline = self.baselines[li][u]
                units.append(UnitInfo(
                    id=self.unit_id(li + 1, u), layer=li + 1, index=u, label=self.labels.get((li + 1, u), "?"),
                    bias=round(self.biases[li][u], 4), baseline=round(baseline, 4),
                    fires_alone=self.bias_fires.get((li + 1, u), baseline > EPSILON),
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
            roles.append(RoleInfo(role, [self.unit_id(layer + 1, u) for layer, u, _ in chosen], kind, png))
        return Catalogue(list(self.classes), list(self.model.dims.hidden), units, roles, self.min_confidence)

    def update(self, strokes: list[Stroke]) -> Update:
        """Render, preprocess, run the network: the whole answer for one drawing."""
        if not strokes:
            return Update(blank=True, prediction=None, unsure=False, roles=self._dark_roles())
        try:
            seen, _ = preprocess(render(strokes, self.config.render))
        except LettersError:  # no ink at all (the one preprocessing function says so)
            return Update(blank=True, prediction=None, unsure=False, roles=self._dark_roles(), strokes=len(strokes))
        x = image_tensor(seen).flatten().float()[None] / 255.0
        with torch.no_grad():
            acts = self.model.hidden_activations(x)
            probs: list[float] = torch.softmax(self.model.output(acts[-1]), 1)[0].tolist()
        top = max(range(len(probs)), key=probs.__getitem__)
        values = [a[0].tolist() for a in acts]  # per layer, every unit's activation
        layer, last = len(values), values[-1]
        push = [a * w for a, w in zip(last, self.output_lists[top])]  # activation x weight into the answer
        order = sorted(range(len(push)), key=push.__getitem__, reverse=True)[: self.config.top_units]
        units = [UnitFiring(self.unit_id(layer, u), self.labels.get((layer, u), "?"), round(last[u], 4),
                            round(self.biases[layer - 1][u], 4), round(push[u], 4))
                 for u in order if push[u] > EPSILON]
        return Update(
            blank=False, prediction=self.classes[top], unsure=probs[top] < self.min_confidence,
            probabilities={c: round(p, 4) for c, p in zip(self.classes, probs)},
            input_png=data_url(seen.point(INVERT)), units=units, roles=self._role_lights(values), strokes=len(strokes))

    def _role_lights(self, values: list[list[float]]) -> list[RoleLight]:
        lights = []
        for role in ROLES:
            _, chosen = self.detectors[role]
            # each unit counts up to its response to the stroke alone, so a few very loud units cannot light it
            shares = [min(1.0, max(0.0, values[layer][u] - self.baselines[layer][u]) / ref) for layer, u, ref in chosen]
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
