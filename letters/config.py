"""Every setting with a default, in dataclasses: one home per default.

Imports nothing heavy (no torch), so the CLI can read its defaults from here and
still answer `--help` quickly. Each field says why it has its value.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from . import checks
from .checks import check_hidden, check_memory
from .errors import OptionError

GLYPH_BYTES = 12_500  # measured: peak memory grows 12.5 KB a glyph (generate --count 3000 vs 30000)
PROBES = 200  # probe glyphs per stroke that say what each unit does: analyze, classify --explain and the draw
# page all name a unit from this many, so a unit has one name everywhere (fewer move a few units' names)
PROBE_BYTES = 1_200_000  # measured: peak memory grows 1.16 MB a probe (analyze --probes 50 vs 400)
PARAM_BYTES = 16  # per network parameter while training: weight, gradient and Adam's two moments, float32
INPUTS = 28 * 28  # the network's input size (preprocess.IMAGE_SIZE squared; not imported, to stay light)
MAX_WORKERS = 256  # generate's processes: far more than any machine's cores


@dataclass(frozen=True)
class Paths:
    """Where the commands read and write when no path is given (relative to the current folder)."""

    data: str = "data/glyphs"  # `letters generate` writes and `letters train` reads this dataset
    model: str = "letters-mlp.pt"  # `letters train` writes here, in the working folder (the shipped model is package data)


@dataclass(frozen=True)
class GeneratorConfig:
    """How far a generated glyph may stray from its template. Units: the letter's height = 1."""

    jitter: float = 0.028  # std of control-point noise: hand-drawn shapes are never exact
    line_bend: float = 0.035  # std of extra bend on lines: hand-drawn lines sag a little
    overshoot: float = 0.07  # max extension (or trim) of each piece's ends: gaps and overshoots at joints
    wobble: float = 0.012  # max amplitude of slow waves along a stroke: an unsteady hand
    warp: float = 0.05  # max amplitude of a smooth whole-letter distortion: proportions differ from hand to hand
    elastic: float = 0.06  # max amplitude of an elastic distortion of the pen path (Simard 2003): a hand's local wander
    elastic_waves: int = 3  # random plane waves per axis that make up the elastic field: smooth, not noise
    blur: float = 0.3  # probability of scanner or felt-pen blur on the raw ink: scanned forms are soft
    blur_radius: tuple[float, float] = (0.4, 1.2)  # range of that blur's Gaussian radius, raw-canvas pixels
    rotation: float = 15.0  # max degrees of rotation either way: paper is never straight
    slant: tuple[float, float] = (-0.3, 0.55)  # range of shear (x per y): handwriting leans right more than left
    aspect: tuple[float, float] = (0.5, 2.0)  # range of width scale (log-uniform): condensed faces to flat, hurried C's
    pen: tuple[float, float] = (0.06, 0.4)  # range of pen width (log-uniform): fine pen to felt pen on a small letter, its bowls nearly shut
    hairline: float = 0.15  # probability of a hairline instead: a tablet stylus or ballpoint traced at high resolution
    hairline_pen: tuple[float, float] = (0.012, 0.06)  # its width range (log-uniform); the real letters re-traced this thin read B as C
    contrast: float = 0.35  # probability of a broad-nib pen whose width depends on direction
    round_caps: float = 0.6  # probability of round stroke ends; flat ends otherwise
    double: float = 0.08  # probability of a sketchy or outlined letter: every stroke traced twice, side by side
    features: dict[str, float] = field(default_factory=lambda: {"serif": 0.25, "curl": 0.25, "entry": 0.15, "exit": 0.15})
    # probability of each optional ornament per glyph: printed serifs, curled C ends, lead-in strokes, and
    # a cursive hand's ligature to the next letter (strokes.exit_stroke): real letters cropped from joined writing keep it
    exit_reach: tuple[float, float] = (1.0, 2.2)  # range of the ligature's run to the next letter, times strokes.EXIT's:
    # hands space their letters wider or closer; crops from joined writing keep the whole run

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "GeneratorConfig":
        d = dict(d)
        d.setdefault("hairline", 0.0)  # a dataset made before hairlines existed drew none
        d.setdefault("exit_reach", (1.0, 1.0))  # and one made before the reach, every ligature at strokes.EXIT's
        for key in ("slant", "aspect", "pen", "hairline_pen", "blur_radius", "exit_reach"):
            if key not in d:
                continue
            d[key] = tuple(d[key])
        return cls(**d)


SHIFTED = GeneratorConfig(elastic=0.09, warp=0.07, blur=0.5, rotation=20.0, slant=(-0.4, 0.7), hairline=0.3, jitter=0.035)
# every distortion wider than the training glyphs': how far a recipe carries beyond what it learned, without
# real letters. It chooses the recipe (research/recipes.py) and the unsure rule (research/unsure.py)
SHIFTED_SEED = 977  # its glyphs' seed: far from every training set's


@dataclass(frozen=True)
class DatasetConfig:
    """What `letters generate` makes."""

    count: int = 30000  # glyphs in all; 30k train the default model past 99% validation accuracy in seconds
    seed: int = 0  # every glyph's randomness derives from this and its index
    val_fraction: float = 0.1  # held out for validation; training never sees it
    workers: int = 1  # processes; the output does not depend on it
    png: bool = False  # also export an ImageFolder tree of PNGs (slow, large)
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)

    def validate(self) -> None:
        if self.count < 1:
            raise OptionError("count", f"{self.count}: give a positive number of glyphs, e.g. 30000")
        if self.count > 10_000_000:
            raise OptionError("count", f"{self.count} is over 10 million; generate several datasets instead")
        if not 0.0 < self.val_fraction < 1.0:
            raise OptionError("val_fraction", f"{self.val_fraction} is outside (0, 1); use e.g. 0.1")
        if not 1 <= self.workers <= MAX_WORKERS:
            raise OptionError("workers", f"{self.workers}: use 1 to {MAX_WORKERS} worker processes")
        if not 0 <= self.seed < 2 ** 31:
            raise OptionError("seed", f"{self.seed} is outside 0..2147483647")
        check_memory("count", self.count, self.count * GLYPH_BYTES,
                     lambda name: f"use at most {name('count')} {max(1, int((checks.available_memory() or 0) // GLYPH_BYTES))}")


@dataclass(frozen=True)
class TrainConfig:
    """How `letters train` fits the network. The defaults are the shipped model's recipe (docs/results.md
    has the screens that chose each on generated glyphs over seeds, and why units no longer die)."""

    hidden: tuple[int, ...] = (128,)  # one hidden layer of 128 units: a network a learner can read whole
    weight_decay: float = 1e-5  # L2 strength on weights: on shifted generated glyphs, lower cross-entropy than 3e-5 or 1e-4
    epochs: int = 16  # passes over the data: 16 beat 8 on shifted generated glyphs for every seed; 24 no better
    batch_size: int = 256  # samples per step: fast on CPU, stable with Adam
    lr: float = 3e-3  # Adam's step size; 1e-2 kills a tenth of the units, 1e-3 learns too slowly
    schedule: str = "cosine"  # learning rate over the run: "cosine" decays it to 0, or "constant"
    penalty: str = "l2"  # "l2": wd * sum(W ** 2), the text's regularisation; "l1": wd * sum(|W|), for contrast
    device: str = "auto"  # the accelerator when there is one, else the CPU
    seed: int = 1  # initial weights and batch order: the same seed gives the same weights on CPU. Of seeds 0, 1 and 2
    # on the recipe's glyphs, 1 had the lowest validation and shifted cross-entropy (docs/results.md)
    augment: float = 1.5  # pixels of elastic displacement per training batch (0: off); new glyphs every epoch
    dropout: float = 0.0  # share of hidden units zeroed at random in each training step (0: off)
    label_smoothing: float = 0.0  # share of each target spread evenly over all the letters, as torch does (0: plain cross-entropy)
    optimizer: str = "adam"  # "adam" (per-weight step sizes) or "sgd" (Nesterov momentum 0.9)
    bias_init: float | None = 0.1  # every hidden unit's starting bias (None: Glorot-uniform like the weights): a unit
    # that starts active on every letter survives Adam's first large steps; with the warm-up, none dies
    warmup: float = 0.05  # share of the steps over which the learning rate rises from 0: Adam's first steps are its largest
    adam_eps: float = 1e-4  # Adam's epsilon: gradients far below it get steps far below lr. With torch's 1e-8 a unit the
    # data barely moves is decayed by the L2 term at Adam's full step, lr, until its weights are 0 and it is dead

    def as_dict(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    def validate(self) -> None:
        check_hidden(self.hidden)
        if self.epochs < 1:
            raise OptionError("epochs", f"{self.epochs}: train for at least one epoch")
        if self.batch_size < 1:
            raise OptionError("batch_size", f"{self.batch_size}: use a positive batch size, e.g. 256")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise OptionError("lr", f"{self.lr}: use a positive finite learning rate, e.g. 1e-3")
        if self.schedule not in ("cosine", "constant"):
            raise OptionError("schedule", f"{self.schedule!r}: use cosine or constant")
        if not 0.0 <= self.augment <= 8.0:
            raise OptionError("augment", f"{self.augment}: use 0 (off) to 8 pixels of elastic displacement")
        if not (self.weight_decay >= 0 and math.isfinite(self.weight_decay)):
            raise OptionError("weight_decay", f"{self.weight_decay}: use zero or a positive finite strength, e.g. 1e-4")
        sizes = (INPUTS, *self.hidden, 3)
        check_memory("hidden", ",".join(map(str, self.hidden)),
                     PARAM_BYTES * sum((a + 1) * b for a, b in zip(sizes, sizes[1:])), "use fewer units, e.g. 128")
        if not 0.0 <= self.dropout < 1.0:
            raise OptionError("dropout", f"{self.dropout}: use 0 (off) up to below 1, e.g. 0.2")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise OptionError("label_smoothing", f"{self.label_smoothing}: use 0 (off) up to below 1, e.g. 0.1")
        if self.penalty not in ("l2", "l1"):
            raise OptionError("penalty", f"{self.penalty!r}: use l2 or l1")
        if self.optimizer not in ("adam", "sgd"):
            raise OptionError("optimizer", f"{self.optimizer!r}: use adam or sgd")
        if self.bias_init is not None and not (math.isfinite(self.bias_init) and abs(self.bias_init) <= 10):
            raise OptionError("bias_init", f"{self.bias_init}: use a finite starting bias between -10 and 10")
        if not (0.0 < self.adam_eps <= 1.0):
            raise OptionError("adam_eps", f"{self.adam_eps}: use a positive epsilon up to 1, e.g. 1e-8")
        if not 0.0 <= self.warmup < 1.0:
            raise OptionError("warmup", f"{self.warmup}: use 0 (none) up to below 1, a share of the steps")


@dataclass(frozen=True)
class NoveltyConfig:
    """The companion detector that says when a drawing is none of A, B and C."""

    count: int = 288000  # generated near misses to learn from: four thousand or more of each letterform
    hidden: tuple[int, ...] = (512,)  # as wide as the classifier: of generated near misses it flagged 86.7% against 85.9% at 256 (144k of them)
    epochs: int = 10  # enough for its validation loss to flatten
    letters: int = 400000  # letters it learns from at most (a seeded subsample of a larger set): near misses keep their share;
    # twice the 200k letters and 144k near misses flagged 89.0% of its generated validation near misses, not 87.6%
    augment: float = 1.5  # pixels of elastic displacement per batch, as TrainConfig.augment: real hands wander
    false_alarm: float = 0.005  # share of fresh generated letters allowed over the threshold; sets it
    seed: int = 7  # near misses and its weights; differs from the letters' seed so none repeat

    def validate(self) -> None:
        if self.count < 30:
            raise OptionError("count", f"{self.count}: the none-of-the-letters detector needs at least 30 near misses")
        if not 0.0 < self.false_alarm < 0.5:
            raise OptionError("false_alarm", f"{self.false_alarm} is outside (0, 0.5)")
        if self.letters < 30:
            raise OptionError("letters", f"{self.letters}: the none-of-the-letters detector needs at least 30 letters")


@dataclass(frozen=True)
class Recipe:
    """The shipped model, as one named configuration: the glyphs it learns from (generated in memory),
    how the network is trained on them, and its none-of-the-letters detector. `letters train` with no
    options runs it (--count and --epochs make it quicker); scripts/train_default_model.sh writes its
    result into the package, and the checkpoint records it."""

    count: int = 600_000  # generated glyphs, a tenth held out: 600k against 300k lowered validation and shifted
    # cross-entropy for each of three seeds, and the rebuild still takes under 10 minutes on 2 cores
    seed: int = 0  # the glyphs' (the network's own is train.seed)
    train: TrainConfig = field(default_factory=TrainConfig)
    novelty: NoveltyConfig = field(default_factory=NoveltyConfig)

    def as_dict(self) -> dict:
        return {"count": self.count, "seed": self.seed, "train": self.train.as_dict(), "novelty": asdict(self.novelty)}


SHIPPED = Recipe()


@dataclass(frozen=True)
class ClassifyConfig:
    """How `letters classify` reports."""

    min_confidence: float = 0.8  # below this top probability an answer is unsure: research/unsure.py chose it (flags <= 3%)
    explain_units: int = 5  # hidden units listed by --explain
    explain_probes: int = PROBES  # probe samples per stroke for the units' names: the analysis's, in about a second

    def validate(self) -> None:
        if not 0.0 <= self.min_confidence <= 1.0:
            raise OptionError("min_confidence", f"{self.min_confidence} is outside [0, 1]")


@dataclass(frozen=True)
class EvaluateConfig:
    """How `letters evaluate` reports."""

    worst: int = 10  # worst-classified files listed: enough to see a pattern, few enough to read


@dataclass(frozen=True)
class AnalysisConfig:
    """How `letters analyze` probes the hidden units."""

    probes: int = PROBES  # jittered samples per role and per letter: enough for stable means, fast on 2 cores
    seed: int = 1234  # probe glyphs; differs from training seeds so probes are unseen glyphs
    fire_fraction: float = 0.6  # a unit fires on a stroke when its response is >= this share of its top one
    fire_floor: float = 0.05  # ... and at least this much activation above baseline: a fifth of a typical unit's peak
    quantile: float = 0.95  # Network Dissection threshold on the attribution maps
    units: str = ""  # units listed one a line: "" none (the answer and each stroke's top units), "all", or N, the costliest

    def validate(self) -> None:
        if self.probes < 1:
            raise OptionError("probes", f"{self.probes}: use at least one probe per role")
        check_memory("probes", self.probes, self.probes * PROBE_BYTES,
                     lambda name: f"use at most {name('probes')} {max(1, int((checks.available_memory() or 0) // PROBE_BYTES))}")
        if self.units not in ("", "all") and not (self.units.isdigit() and int(self.units) > 0):
            raise OptionError("units", f"{self.units!r}: use all, or a positive number of units")


@dataclass(frozen=True)
class DemoConfig:
    """The one-command tour: small enough for under a minute on two CPU cores."""

    count: int = 9000  # glyphs: enough for ~99% validation accuracy, generated in a few seconds
    epochs: int = 8  # the curves flatten by then
    probes: int = 120  # probe samples per stroke: stable means, quick
    device: str = TrainConfig.device  # the accelerator when there is one
    seed: int = 0  # the same demo every run
    novelty: NoveltyConfig = field(default_factory=lambda: NoveltyConfig(count=3000, hidden=(256,), epochs=4, augment=0.0))
    # a lighter none-of-the-letters detector than `letters train` fits: a hundred near misses of each kind,
    # no batch distortion; the tour shows what it does, the shipped model carries the full one

    def validate(self) -> None:
        DatasetConfig(count=self.count, seed=self.seed).validate()
        if self.count < 30:
            raise OptionError("count", f"{self.count}: the demo needs at least 30 glyphs")
        TrainConfig(epochs=self.epochs, device=self.device).validate()
        AnalysisConfig(probes=self.probes).validate()
        self.novelty.validate()


@dataclass(frozen=True)
class DrawConfig:
    """How `letters draw` serves its page and what one request may hold."""

    host: str = "127.0.0.1"  # this machine only; any other host prints a warning
    port: int = 8765  # 0 picks a free port
    probes: int = PROBES  # probe samples per stroke for the unit names at start-up: the analysis's, in a second
    render: int = 280  # pixels per side the strokes are drawn at before the one preprocessing function
    pen: tuple[float, float] = (0.005, 0.25)  # pen width range, as a fraction of the canvas side
    top_units: int = 8  # units listed per update: the ones that push the answer most
    max_body: int = 1 << 20  # bytes per request; a long, slow drawing is about 100 kB of JSON
    max_strokes: int = 100  # strokes per drawing
    max_points: int = 20_000  # points over all strokes; the page sends about 60 a second of drawing
    allow_host: tuple[str, ...] = ()  # more Host names to answer to (a served machine's own name); never any name
    large_in_flight: int = 2  # drawings over 64 kB at once; more are answered 503 at once (a flood stays cheap)
    small_in_flight: int = 32  # smaller requests at once: each takes milliseconds

    def validate(self) -> None:
        if not 0 <= self.port <= 65535:
            raise OptionError("port", f"{self.port} is outside 0..65535 (0 picks a free port)")
        if not self.host.strip():
            raise OptionError("host", "is empty; use e.g. 127.0.0.1")
        if self.probes < 1:
            raise OptionError("probes", f"{self.probes}: use at least one probe per stroke")


@dataclass(frozen=True)
class MorphConfig:
    """How `letters morph` walks a stroke into its lookalike."""

    steps: int = 21  # points from start (t=0) to end (t=1): 0.05 apart, fine enough to place a crossing
    samples: int = 100  # seeded hands per step, the same at every step: intervals of a few points on P(C)
    seed: int = 4321  # the hands; differs from training and probe seeds
    probes: int = PROBES  # probe samples per stroke for the unit names: the analysis's, so a unit keeps its name
    top_units: int = 6  # units shown, those whose mean activation changes most along the morph
    controls: int = 200  # random unit sets per control: a 95% interval to the nearest half point
    bootstrap: int = 1000  # resamples of the hands for the crossing's interval

    def validate(self) -> None:
        if not 3 <= self.steps <= 201:
            raise OptionError("steps", f"{self.steps}: use 3 to 201 steps")
        if not 2 <= self.samples <= 10_000:
            raise OptionError("samples", f"{self.samples}: use 2 to 10000 samples a step")
        if self.probes < 1:
            raise OptionError("probes", f"{self.probes}: use at least one probe per role")
        if not 0 <= self.seed < 2 ** 31:
            raise OptionError("seed", f"{self.seed} is outside 0..2147483647")


@dataclass(frozen=True)
class DecayConfig:
    """The weight-decay dose response: a grid of strengths x seeds x training sizes."""

    sizes: tuple[int, ...] = (450, 3000, 30000)  # training glyphs: tiny (overfits), small, the default dataset
    seeds: int = 3  # data and initialisation per seed: the fewest that give an interval
    decays: tuple[float, ...] = (0.0, 1e-5, 1e-4, 1e-3, 1e-2)  # L2 strengths: none, then three decades
    l1: float = 1e-4  # one L1 run for contrast (0 skips it): wd * sum(|W|) zeroes weights rather than shrinking them
    steps: int = 1200  # optimisation steps per run, whatever the size: 10 epochs of 30,000 glyphs, 680 of 450
    hidden: tuple[int, ...] = (64,)  # the default network
    test_count: int = 3000  # fresh glyphs per seed for test accuracy: the gap to a point, not noise
    probes: int = 40  # probe samples per stroke for the unit labels of each trained network
    handwriting: str = "data/handwriting"  # real letters (A/, B/, C/), 597 EMNIST capitals; "" skips them
    device: str = "auto"  # the accelerator when there is one
    workers: int = 1  # processes drawing the glyphs

    def validate(self) -> None:
        if not self.sizes or min(self.sizes) < 3 or max(self.sizes) > 1_000_000:
            raise OptionError("sizes", f"{','.join(map(str, self.sizes))}: use training sizes from 3 to 1,000,000")
        if not 1 <= self.seeds <= 100:
            raise OptionError("seeds", f"{self.seeds}: use 1 to 100 seeds")
        if not self.decays or min(self.decays) < 0 or any(d != d for d in self.decays):
            raise OptionError("decays", f"{','.join(map(str, self.decays))}: give zero or positive strengths, e.g. 0,1e-4,1e-3")
        if not self.l1 >= 0:
            raise OptionError("l1", f"{self.l1}: use zero (none) or a positive strength")
        if self.steps < 1:
            raise OptionError("steps", f"{self.steps}: train for at least one step")
        if self.test_count < 3:
            raise OptionError("test_count", f"{self.test_count}: test on at least 3 glyphs")
        if self.probes < 1:
            raise OptionError("probes", f"{self.probes}: use at least one probe per role")
        if not 1 <= self.workers <= 256:
            raise OptionError("workers", f"{self.workers}: use 1 or more worker processes")
        TrainConfig(hidden=self.hidden, device=self.device).validate()


QUICK_DECAY = DecayConfig(sizes=(150, 600), seeds=3, decays=(0.0, 1e-4, 1e-3, 1e-2), steps=300, test_count=600,
                          probes=15)  # the small grid of `letters decay --quick`: under a minute on two cores


METHOD_GLYPH_BYTES = 2_000_000  # measured: letters methods' peak memory grows 2 MB a glyph of each letter


@dataclass(frozen=True)
class MethodsConfig:
    """How `letters methods` measures; the default runs in well under a minute on two cores."""

    glyphs: int = 200  # whole glyphs of each letter: intervals a few hundredths wide, about 25 s on two cores
    seed: int = 0  # the glyphs, the random map, gradient SHAP's draws and the randomised weights
    steps: int = 32  # integrated gradients' points along the path from blank paper
    samples: int = 20  # gradient SHAP's draws per glyph
    background: int = 16  # gradient SHAP's reference glyphs, drawn from the set
    window: int = 4  # occlusion's square patch, pixels; it slides by half its side
    units: int = 5  # the unit attribution's units, as many as `letters classify --explain` lists
    resamples: int = 1000  # bootstrap resamples of each mean

    def validate(self) -> None:
        if not 2 <= self.glyphs <= 2000:
            raise OptionError("glyphs", f"{self.glyphs}: use 2 to 2000 glyphs of each letter")
        check_memory("glyphs", self.glyphs, self.glyphs * METHOD_GLYPH_BYTES,
                     lambda name: f"use at most {name('glyphs')} {max(2, int((checks.available_memory() or 0) // METHOD_GLYPH_BYTES))}")
        if not 0 <= self.seed < 2 ** 31:
            raise OptionError("seed", f"{self.seed} is outside 0..2147483647")


QUICK_METHODS = MethodsConfig(glyphs=6, steps=8, samples=4, background=4, window=7, resamples=200)
