"""Weight decay's dose response: a grid of strengths x seeds x training sizes, each cell cached on disk.

Every cell trains the default network on the first `size` of one seed's generated glyphs and measures
it: accuracy on its training glyphs, on fresh glyphs and on real handwriting (and the gaps, the
overfitting the text means), the weight norms, the units of each category, and how often the text's
lookalike strokes and whole letters are called the target. `summarise` gives every measure at every
(size, strength) with an interval inside its range; `paired_difference` compares a strength with no
decay seed by seed. A cache entry is keyed by everything that changes its numbers and checked on
reading: one that is not a regular file is refused, one that is damaged is trained again.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch

from ..alphabet import CLASSES, LOOKALIKES, TARGET
from ..config import AnalysisConfig, DatasetConfig, DecayConfig, GeneratorConfig, TrainConfig
from ..drawing.dataset import Dataset, load_image_folder
from ..drawing.generator import generate_tensors
from ..errors import LettersError, OptionError
from ..files import atomic_file
from ..inputs.imagefolder import class_folders
from ..inputs.tensors import as_input
from ..network.train import accuracy, train_model
from .analysis import analyze_model
from .probes import Probes, build_probes
from .stats import Interval, mean_interval, wilson

TILE_TO = 4096  # a small training set is repeated to at least this many samples an epoch
CACHE_VERSION = 3  # bump when a cell's measurement changes, so old cached cells are not reused
STROKES = tuple(dict.fromkeys(other for _, other in LOOKALIKES))  # the text's lookalike strokes, measured alone
OTHERS = tuple(c for c in CLASSES if c != TARGET)  # whole letters that may be called the target


@dataclass
class Cell:
    """One trained network of the grid and everything measured on it."""

    size: int  # training glyphs
    seed: int  # data and initialisation
    penalty: str  # "l2" or "l1"
    strength: float  # the weight decay (L2) or L1 strength
    n: dict  # how many glyphs each rate below is over: train, test, handwriting, stroke, letter
    train_accuracy: float
    test_accuracy: float  # fresh generated glyphs
    gap: float  # train minus test: the overfitting the text means
    handwriting_accuracy: float | None  # real handwritten letters
    handwriting_gap: float | None
    weight_norms: list  # L2 norm of each layer's weights, input side first
    weight_l1: list  # mean |w| of each layer's weights
    units: dict  # category -> units (study.units.CATEGORIES)
    stroke_called_target: dict  # each of the text's lookalike strokes alone -> share called the target
    letter_called_target: dict  # fresh glyphs of each other letter -> share called the target
    seconds: float  # training and measuring


RATE_FIELDS = {"train_accuracy": "train", "test_accuracy": "test", "handwriting_accuracy": "handwriting"}
MEASURES = ("train_accuracy", "test_accuracy", "gap", "handwriting_accuracy", "handwriting_gap", "weight_norm_1",
            "weight_l1_1", "units:detector", "units:lookalike", "units:bias-only", "units:dead",
            *(f"stroke_called_target:{s}" for s in STROKES), *(f"letter_called_target:{c}" for c in OTHERS))


def cell_measure(cell: Cell, measure: str) -> float | None:
    """A measure's value in a cell; `units:dead`, `stroke_called_target:B.upper_bowl` read a dict."""
    if measure == "weight_norm_1":
        return cell.weight_norms[0]
    if measure == "weight_l1_1":
        return cell.weight_l1[0]
    name, _, key = measure.partition(":")
    value = getattr(cell, name)
    return value.get(key) if key else value


def measure_kind(measure: str) -> str:
    """"rate" (a share of glyphs), "difference" (of two rates), "count" or "norm": what bounds it."""
    if measure in RATE_FIELDS or measure.startswith(("stroke_called", "letter_called")):
        return "rate"
    return "difference" if "gap" in measure else "count" if measure.startswith("units:") else "norm"


def _rate_n(cell: Cell, measure: str) -> int:
    if measure in RATE_FIELDS:
        return int(cell.n.get(RATE_FIELDS[measure]) or 0)
    return int(cell.n["stroke"] if measure.startswith("stroke_called") else cell.n["letter"])


@dataclass
class Point:
    """One measure at one strength and training size, over the seeds."""

    measure: str
    size: int
    penalty: str
    strength: float
    value: Interval


@dataclass
class DecayReport:
    config: dict
    cells: list  # [Cell]
    points: list  # [Point]
    trained: int  # cells trained in this run
    cached: int  # cells read from the cache
    seconds: float
    damaged: list = field(default_factory=list)  # cache entries that were unreadable or out of range: retrained


def cell_key(config: DecayConfig, size: int, seed: int, penalty: str, strength: float, handwriting: str) -> str:
    """The cache key: everything that changes a cell's numbers (not the device, the workers, or
    where the handwriting lives: `handwriting` is a hash of its pixels and labels)."""
    recipe = {"version": CACHE_VERSION, "size": size, "seed": seed, "penalty": penalty, "strength": strength,
              "steps": config.steps, "hidden": list(config.hidden), "test_count": config.test_count,
              "probes": config.probes, "handwriting": handwriting, "classes": list(CLASSES),
              "generator": GeneratorConfig().as_dict(), "train": _train_recipe(config, size, seed, penalty, strength)}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:24]


def _tiled(size: int) -> int:
    """Training glyphs after repeating a small set: whole copies, at least TILE_TO of them, so
    a tiny set's epoch is not two steps long (each epoch ends with an accuracy pass)."""
    return size * max(1, -(-TILE_TO // size))


def _train_recipe(config: DecayConfig, size: int, seed: int, penalty: str, strength: float) -> dict:
    epochs = max(1, round(config.steps * TrainConfig().batch_size / _tiled(size)))
    d = TrainConfig(hidden=tuple(config.hidden), weight_decay=strength, penalty=penalty, epochs=epochs,
                    seed=seed, device=config.device).as_dict()
    d.pop("device")
    return d


def _handwriting(path: str):
    """(images, labels) of the real letters, or None when no path is given."""
    if not path:
        return None
    root = Path(path)
    if not root.is_dir():
        raise OptionError("handwriting", f"{path}: no such folder; give a folder with A/, B/, C/ or '' to skip")
    if not class_folders(root) and (root / "images").is_dir():
        root = root / "images"
    data = load_image_folder(root, val_fraction=0.5)
    return data.images, data.labels


def _data_for_seed(config: DecayConfig, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Glyphs for one seed: the first `size` of them train (classes interleave, so any prefix is
    balanced); the last `test_count` are the fresh test set, shared by every size."""
    total = max(config.sizes) + config.test_count
    tensors = generate_tensors(DatasetConfig(count=total, seed=10_000 + seed, workers=config.workers))
    return tensors["images"], tensors["labels"]


def _called_target(pred: torch.Tensor, labels: torch.Tensor) -> dict:
    out = {}
    for letter in OTHERS:
        mask = labels == CLASSES.index(letter)
        out[letter] = round(float((pred[mask] == CLASSES.index(TARGET)).float().mean()), 4) if mask.any() else 0.0
    return out


@torch.no_grad()
def train_cell(config: DecayConfig, images, labels, size: int, seed: int, penalty: str, strength: float,
               handwriting, probes: Probes) -> Cell:
    """Train one network of the grid and measure it."""
    started = time.perf_counter()
    n_test = config.test_count
    train_images, train_labels = images[:size], labels[:size]
    copies = _tiled(size) // size
    data = Dataset(train_images.repeat(copies, 1, 1), train_labels.repeat(copies), torch.zeros(size * copies, dtype=torch.bool),
                   list(CLASSES), {})
    recipe = _train_recipe(config, size, seed, penalty, strength)
    with torch.enable_grad():
        model = train_model(data, TrainConfig(**{**recipe, "hidden": tuple(recipe["hidden"]), "device": config.device}))[0]
    model = model.cpu().eval()
    x_test, y_test = as_input(images[-n_test:]), labels[-n_test:]
    train_acc = accuracy(model, as_input(train_images), train_labels)
    test_acc = accuracy(model, x_test, y_test)
    hw_acc, hw_n = None, 0
    if handwriting is not None:
        hw_acc, hw_n = accuracy(model, as_input(handwriting[0]), handwriting[1]), len(handwriting[1])
    report, _ = analyze_model(model, AnalysisConfig(probes=config.probes), probes=probes, example=False)
    target = CLASSES.index(TARGET)
    weights = [layer.weight.detach() for layer in model.layers()]
    return Cell(
        size=size, seed=seed, penalty=penalty, strength=strength,
        n={"train": size, "test": n_test, "handwriting": hw_n, "stroke": config.probes,
           "letter": n_test // len(CLASSES)},
        train_accuracy=round(train_acc, 4), test_accuracy=round(test_acc, 4), gap=round(train_acc - test_acc, 4),
        handwriting_accuracy=None if hw_acc is None else round(hw_acc, 4),
        handwriting_gap=None if hw_acc is None else round(train_acc - hw_acc, 4),
        weight_norms=[round(float(w.norm()), 4) for w in weights],
        weight_l1=[round(float(w.abs().mean()), 6) for w in weights],
        units=dict(report.counts),
        stroke_called_target={s: round(float((model(probes.x((s,))).argmax(1) == target).float().mean()), 4)
                              for s in STROKES},
        letter_called_target=_called_target(model(x_test).argmax(1), y_test),
        seconds=round(time.perf_counter() - started, 3))


def grid(config: DecayConfig) -> list[tuple[int, int, str, float]]:
    """Every cell: (size, seed, penalty, strength), L2 strengths first, then the L1 run."""
    runs = [("l2", d) for d in config.decays] + ([("l1", config.l1)] if config.l1 > 0 else [])
    return [(size, seed, penalty, strength) for size in config.sizes for seed in range(config.seeds)
            for penalty, strength in runs]


def _valid_cell(d, spec: tuple) -> bool:
    """A cache entry that is a Cell of the grid point `spec` whose every number is in its range."""
    if not isinstance(d, dict) or sorted(d) != sorted(f.name for f in fields(Cell)):
        return False

    def number(v, lo: float = -math.inf, hi: float = math.inf) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and lo <= v <= hi

    def rates(values, keys) -> bool:
        return isinstance(values, dict) and sorted(values) == sorted(keys) and all(number(v, 0.0, 1.0) for v in values.values())

    hw = d["handwriting_accuracy"] is None
    return ((d["size"], d["seed"], d["penalty"], d["strength"]) == tuple(spec)
            and isinstance(d["n"], dict) and all(isinstance(v, int) and v >= 0 for v in d["n"].values())
            and all(number(d[k], 0.0, 1.0) for k in ("train_accuracy", "test_accuracy"))
            and number(d["gap"], -1.0, 1.0) and number(d["seconds"], 0.0)
            and (hw and d["handwriting_gap"] is None
                 or number(d["handwriting_accuracy"], 0.0, 1.0) and number(d["handwriting_gap"], -1.0, 1.0))
            and all(isinstance(d[k], list) and all(number(v, 0.0) for v in d[k]) for k in ("weight_norms", "weight_l1"))
            and isinstance(d["units"], dict) and all(isinstance(v, int) and v >= 0 for v in d["units"].values())
            and rates(d["stroke_called_target"], STROKES) and rates(d["letter_called_target"], OTHERS))


def _read_cell(path: Path, spec: tuple) -> tuple[Cell | None, bool]:
    """(the cached cell or None, whether a file was there but damaged). A cache entry that is not a
    regular file (a link, a FIFO that would block the read forever, a folder) is refused in one line."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None, False
    except OSError as error:
        raise LettersError(f"cache entry {path} cannot be read ({error.strerror or error}); remove it") from None
    if not stat.S_ISREG(info.st_mode):
        raise LettersError(f"cache entry {path} is not a regular file (a link, FIFO or folder); remove it or give "
                           "another cache folder")
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, True
    return (Cell(**d), False) if _valid_cell(d, spec) else (None, True)


def run_decay_sweep(config: DecayConfig, cache: Path | None, progress=None) -> DecayReport:
    """Train what the cache lacks, measure, summarise over seeds. `progress(done, total, text)`.
    Runs torch on one thread: many small operations (see study.analysis)."""
    config.validate()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _sweep(config, cache, progress)
    finally:
        torch.set_num_threads(threads)


def _sweep(config: DecayConfig, cache: Path | None, progress) -> DecayReport:
    started = time.perf_counter()
    handwriting = _handwriting(config.handwriting)
    n_hw = "" if handwriting is None else hashlib.sha256(
        handwriting[0].numpy().tobytes() + handwriting[1].numpy().tobytes()).hexdigest()
    cells, missing, damaged = {}, [], []
    for spec in grid(config):
        key = cell_key(config, *spec, n_hw)
        cell, bad = _read_cell(cache / f"{key}.json", spec) if cache else (None, False)
        if bad and cache:
            damaged.append(str(cache / f"{key}.json"))  # trained again below, and the entry replaced
        if cell is not None:
            cells[spec] = cell
        else:
            missing.append((spec, key))
    total = len(cells) + len(missing)
    if progress:
        progress(len(cells), total, "cached")
    if missing:
        probes = build_probes(AnalysisConfig(probes=config.probes), GeneratorConfig())
        data: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        for (size, seed, penalty, strength), key in sorted(missing, key=lambda m: m[0][1]):
            if seed not in data:
                data = {seed: _data_for_seed(config, seed)}  # one seed's glyphs in memory at a time
            cell = train_cell(config, *data[seed], size, seed, penalty, strength, handwriting, probes)
            cells[(size, seed, penalty, strength)] = cell
            if cache:
                with atomic_file(cache / f"{key}.json", "w", encoding="utf-8") as f:
                    json.dump(asdict(cell), f)
            if progress:
                progress(len(cells), total, f"{size} glyphs, seed {seed}, {penalty} {strength:g}")
    ordered = [cells[spec] for spec in grid(config)]
    return DecayReport(asdict(config), ordered, summarise(ordered), len(missing), total - len(missing),
                       round(time.perf_counter() - started, 3), damaged)


def _interval(cells: list[Cell], measure: str) -> Interval:
    """Over the seeds, inside the measure's range: a rate's t interval widened to at least the Wilson
    interval of its pooled glyphs (never zero width when every seed agrees), a difference within
    [-1, 1], a count or a norm never below 0."""
    values = [cell_measure(c, measure) for c in cells]
    kind = measure_kind(measure)
    bounds = {"rate": (0.0, 1.0), "difference": (-1.0, 1.0)}.get(kind, (0.0, math.inf))
    interval = mean_interval(values, *bounds)
    if kind != "rate" or interval.n == 0:
        return interval
    n = [_rate_n(c, measure) for c, v in zip(cells, values) if v is not None]
    pooled = wilson(sum(round(v * k) for v, k in zip([v for v in values if v is not None], n)), sum(n))
    low = pooled.low if interval.low != interval.low else min(interval.low, pooled.low)
    high = pooled.high if interval.high != interval.high else max(interval.high, pooled.high)
    return Interval(interval.mean, low, high, interval.n)


def summarise(cells: list[Cell]) -> list[Point]:
    """Each measure at each (size, penalty, strength), with its interval over the seeds."""
    groups: dict = {}
    for cell in cells:
        groups.setdefault((cell.size, cell.penalty, cell.strength), []).append(cell)
    points = []
    for measure in MEASURES:
        for (size, penalty, strength), group in groups.items():
            if all(cell_measure(c, measure) is None for c in group):
                continue
            points.append(Point(measure, size, penalty, strength, _interval(group, measure)))
    return points


def paired_difference(cells: list[Cell], measure: str, size: int, strength: float, penalty: str = "l2") -> Interval:
    """Measure at `strength` minus at no decay, seed by seed (same data, same initial weights),
    with its 95% interval over seeds, inside what a difference of the measure can be."""
    base = {c.seed: cell_measure(c, measure) for c in cells if c.size == size and c.penalty == "l2" and c.strength == 0}
    other = {c.seed: cell_measure(c, measure) for c in cells
             if c.size == size and c.penalty == penalty and c.strength == strength}
    pairs = [(other[s], base.get(s)) for s in other]
    bounded = measure_kind(measure) in ("rate", "difference")
    return mean_interval([o - b for o, b in pairs if o is not None and b is not None],
                         *((-1.0, 1.0) if bounded else (-math.inf, math.inf)))


def decay_json(report: DecayReport) -> dict:
    return asdict(report)

