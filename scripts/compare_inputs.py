"""Would a change of the model's input help real handwriting? Measure before touching preprocess.py.

Each variant is tried on the same generated glyphs with the same seeds and the same small recipe
(256 hidden units, 6 epochs, otherwise scripts/train_default_model.sh's), and scored on
data/handwriting and data/real, per class, with the mean cross-entropy of the true letter:

  plain    the inputs as preprocess makes them (the control)
  deskew   every image sheared upright by its second moments (as MNIST's deskewing), the
           training glyphs and the real letters alike: a slanted B read as A is the commonest error
  blur     every image blurred (Gaussian, sigma 0.7 px) and rescaled to full ink, both alike:
           pen width and a pixel's shift matter less to a blurred input
  affine   the training batches only, after the elastic distortion: a fresh random rotation
           (up to 11 degrees), scale (0.86 to 1.16), shear (0.2) and shift (1.4 px) every step

`--recipes` tries the recipe's own settings the same way, each arm one set of changes to it
(`augment=2.5`, `weight_decay=3e-4,epochs=8`; `base` is the recipe unchanged), on every variant.

Deskew and blur are written here on the 28x28 tensors, not in preprocess.py, so the comparison
costs minutes; the one that wins would then move into the one preprocessing function.

    python scripts/compare_inputs.py                          # generates 300,000 glyphs first
    python scripts/compare_inputs.py --data data/glyphs --count 300000 --seeds 0 1 --json
    python scripts/compare_inputs.py --variants plain --recipes base augment=2.5 weight_decay=3e-4
    python scripts/compare_inputs.py --variants plain --also captures/joined captures/stylus
    python scripts/compare_inputs.py --variants plain --seeds 0 1 2 3 --ensembles 2 4

`--ensembles K` also scores every K of an arm's seeds joined into one network that averages their
logits (`model.join`, as `letters train --members K` ships them), beside the networks alone.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path
from unittest import mock

import torch
from compare_models import labelled, load, score  # the same real sets, scored the same way
from torch.nn import functional as F

from letters import train
from letters.augment import elastic_batch
from letters.config import DatasetConfig, TrainConfig
from letters.dataset import Dataset, load_dataset
from letters.errors import LettersError
from letters.generator import generate_tensors
from letters.model import join
from letters.predict import probabilities
from letters.strokes import CLASSES

RECIPE = dict(hidden=(256,), epochs=6, batch_size=256, lr=3e-3, weight_decay=1e-4, augment=1.5)
VARIANTS = ("plain", "deskew", "blur", "affine")
MAX_SKEW = 0.7  # x per y: a steeper moment is a letter's shape (a flat A), not its slant
BLUR_SIGMA = 0.7  # pixels
P_FLOOR = 1e-4  # for the cross-entropy of a confident mistake


def _full_ink(x: torch.Tensor) -> torch.Tensor:
    """(N, 28, 28) float -> the same with each image's darkest ink 1, as preprocess scales it."""
    return x / x.amax((1, 2), keepdim=True).clamp_min(1e-6)


def deskew(x: torch.Tensor) -> torch.Tensor:
    """(N, 28, 28) float ink -> each sheared about its centre of mass so that its x-y moment is 0."""
    n, h, w = x.shape
    ys, xs = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5, indexing="ij")  # pixel centres
    mass = x.sum((1, 2)).clamp_min(1e-6)
    cx, cy = ((x * xs).sum((1, 2)) / mass)[:, None, None], ((x * ys).sum((1, 2)) / mass)[:, None, None]
    mu11 = (x * (xs - cx) * (ys - cy)).sum((1, 2)) / mass
    mu02 = (x * (ys - cy) ** 2).sum((1, 2)) / mass
    skew = (mu11 / mu02.clamp_min(1e-6)).clamp(-MAX_SKEW, MAX_SKEW)[:, None, None]
    source_x = xs + skew * (ys - cy)  # output pixel (x, y) shows the input at (x + skew (y - cy), y)
    grid = torch.stack([source_x / w * 2 - 1, (ys / h * 2 - 1).expand(n, h, w)], -1)  # (N, 28, 28, 2)
    return _full_ink(F.grid_sample(x[:, None], grid, align_corners=False)[:, 0])


def blur(x: torch.Tensor) -> torch.Tensor:
    """(N, 28, 28) float ink -> Gaussian-blurred, back to full ink."""
    r = torch.arange(-2, 3).float()
    k = torch.exp(-r ** 2 / (2 * BLUR_SIGMA ** 2))
    k = k / k.sum()
    return _full_ink(F.conv2d(x[:, None], (k[:, None] * k[None]).view(1, 1, 5, 5), padding=2)[:, 0])


def affine_batch(x: torch.Tensor, amplitude: float, generator: torch.Generator) -> torch.Tensor:
    """train.elastic_batch, then a random affine map per image: (N, 784) -> (N, 784)."""
    x = elastic_batch(x, amplitude, generator)
    n = x.shape[0]

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return torch.rand(n, generator=generator, device=x.device) * (hi - lo) + lo

    angle, scale, shear = uniform(-0.2, 0.2), torch.exp(uniform(-0.15, 0.15)), uniform(-0.2, 0.2)
    tx, ty = uniform(-0.1, 0.1), uniform(-0.1, 0.1)  # of the half-width: 1.4 px
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([torch.stack([cos * scale, -sin * scale + shear, tx], 1),
                         torch.stack([sin * scale, cos * scale, ty], 1)], 1)  # (N, 2, 3)
    grid = F.affine_grid(theta, [n, 1, 28, 28], align_corners=False)
    return F.grid_sample(x.view(n, 1, 28, 28), grid, align_corners=False).view(n, -1)


def recipe(arm: str) -> dict:
    """'base' -> RECIPE; 'augment=2.5,epochs=8' -> RECIPE with those fields, typed as RECIPE's own."""
    changed = dict(RECIPE)
    for item in [] if arm == "base" else arm.split(","):
        key, sep, value = item.partition("=")
        if not sep or key not in TrainConfig.__dataclass_fields__ or key in ("device", "seed"):
            raise LettersError(f"--recipes {arm!r}: write base or FIELD=VALUE[,FIELD=VALUE] of TrainConfig")
        kind = type(getattr(TrainConfig, key))
        try:  # hidden is written 512 or 256x128: a comma already separates the fields
            changed[key] = tuple(int(v) for v in value.split("x")) if key == "hidden" else kind(value)
        except ValueError:
            wanted = "sizes such as 256x128" if key == "hidden" else f"a value of type {kind.__name__}"
            raise LettersError(f"--recipes {arm!r}: {key} takes {wanted}") from None
    return changed


def labelled_folder(folder: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """An ImageFolder of real letters (A/, B/, C/) as images and class indices, read as eval_real reads."""
    if not folder.is_dir():
        raise LettersError(f"--also {folder}: not a folder")
    paths, images, truth = load(folder) if any(folder.rglob("*.png")) or any(folder.rglob("*.jpg")) else ([], None, [])
    strays = sorted({str(p.parent) for p, letter in zip(paths, truth) if letter not in CLASSES})
    if images is None or strays:
        raise LettersError(f"--also {folder}: " + (f"{strays[0]} is not an A, B or C folder" if strays
                                                    else "no PNG or JPEG letters in A/, B/, C/ below it"))
    return images, torch.tensor([CLASSES.index(letter) for letter in truth])


def inputs(images: torch.Tensor, variant: str) -> torch.Tensor:
    """(N, 28, 28) uint8 -> the variant's uint8 images (rounded as preprocess's output is)."""
    change = {"deskew": deskew, "blur": blur}.get(variant)
    if change is None:
        return images
    return torch.cat([(change(part.float() / 255) * 255).round().to(torch.uint8) for part in images.split(20000)])


def cross_entropy(model, images: torch.Tensor, labels: torch.Tensor) -> float:
    p = probabilities(model, images)[torch.arange(len(labels)), labels]
    return round(float(-torch.log(p.clamp_min(P_FLOOR)).mean()), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1], help="training seeds per variant")
    parser.add_argument("--recipes", nargs="+", default=["base"],
                        help="arms: base, or FIELD=VALUE[,FIELD=VALUE] changes to the recipe")
    parser.add_argument("--count", type=int, default=300_000, help="glyphs (the first COUNT of --data)")
    parser.add_argument("--data", type=Path, help="a `letters generate` folder; else COUNT glyphs are made, seed 0")
    parser.add_argument("--also", nargs="+", type=Path, default=[], metavar="DIR",
                        help="more ImageFolders of A/, B/, C/ to score, each named by its folder "
                             "(e.g. the captures written by scripts/recapture.py --out DIR: DIR/joined DIR/stylus)")
    parser.add_argument("--ensembles", nargs="+", type=int, default=[], metavar="K",
                        help="also score every K of each arm's seeds joined (their logits averaged)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", action="store_true", help="one JSON object a line")
    args = parser.parse_args()
    DatasetConfig(count=args.count, seed=0, workers=2).validate()
    arms = {arm: recipe(arm) for arm in args.recipes}
    if any(not 2 <= k <= len(set(args.seeds)) for k in args.ensembles):
        raise LettersError(f"--ensembles takes sizes from 2 to the number of --seeds ({len(set(args.seeds))})")
    for seed in args.seeds:
        for fields in arms.values():
            TrainConfig(device=args.device, seed=seed, **fields).validate()
    sets = {name: labelled(name) for name in ("handwriting", "real")}
    for folder in args.also:  # read before the glyphs, so a bad folder fails in a second, not minutes
        if folder.name in sets:
            raise LettersError(f"--also {folder}: a set named {folder.name!r} is already scored; rename the folder")
        sets[folder.name] = labelled_folder(folder)
    if args.data is not None:
        loaded = load_dataset(args.data)
        images, labels, is_val = loaded.images[:args.count], loaded.labels[:args.count], loaded.is_val[:args.count]
    else:
        tensors = generate_tensors(DatasetConfig(count=args.count, seed=0, workers=2))
        images, labels, is_val = tensors["images"], tensors["labels"], tensors["is_val"]
    for variant in args.variants:
        data = Dataset(images=inputs(images, variant), labels=labels, is_val=is_val, classes=list(CLASSES), meta={})
        real = {name: (inputs(x, variant), y) for name, (x, y) in sets.items()}
        for arm, fields in arms.items():
            models = {}
            for seed in args.seeds:
                with mock.patch.object(train, "elastic_batch", affine_batch if variant == "affine" else elastic_batch):
                    models[seed], result = train.train_model(data, TrainConfig(device=args.device, seed=seed, **fields))
                report(args.json, variant, arm, str(seed), len(images), result.train_seconds, models[seed], real)
            for k in args.ensembles:
                for combo in itertools.combinations(dict.fromkeys(args.seeds), k):
                    joined = join([models[seed] for seed in combo]).eval()
                    report(args.json, variant, arm, "+".join(map(str, combo)), len(images), 0.0, joined, real)


def report(as_json: bool, variant: str, arm: str, seed: str, count: int, seconds: float, model, real: dict) -> None:
    """Score one network (or a join of several, `seed` 0+1) on every real set; one line or one JSON row."""
    row = {"variant": variant, "recipe": arm, "seed": seed, "count": count, "train_seconds": seconds,
           **{name: {**score(model, x, y), "cross_entropy": cross_entropy(model, x, y)} for name, (x, y) in real.items()}}
    if as_json:
        print(json.dumps(row), flush=True)
        return
    hand, fonts = row["handwriting"], row["real"]
    wrong = round((1 - hand["accuracy"]) * hand["n"])
    also = "".join(f"  {name} {row[name]['accuracy']:.2%}" for name in real if name not in ("handwriting", "real"))
    print(f"{variant:<7} {arm} seed {seed}  handwriting {hand['accuracy']:.2%} ({wrong} wrong, "
          f"A {hand['A']:.2%} B {hand['B']:.2%} C {hand['C']:.2%}, cross-entropy "
          f"{hand['cross_entropy']:.3f})  real {fonts['accuracy']:.2%}{also}", flush=True)


if __name__ == "__main__":
    try:
        main()
    except LettersError as error:  # a bad --count, --seeds or --device: one line, no traceback
        sys.exit(f"compare_inputs: {error.cli_line}")
