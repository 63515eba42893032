"""Datasets on disk: generating them, writing them atomically, and loading them back.

A dataset folder holds `glyphs.pt` (uint8 images, labels, per-pixel stroke owners,
per-sample seeds and letterforms, the validation flag), `meta.json` (how it was made
and a content hash), `sheet.png` (samples coloured by role) and, with `png=True`,
an ImageFolder tree of PNGs. A folder of user images in ImageFolder layout
(`A/`, `B/`, `C/`) loads through the same preprocessing function.
"""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
import random
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image, ImageDraw, ImageFont

from .config import DatasetConfig, GeneratorConfig
from .errors import LettersError
from .glyphs import render_batch, sample_seed
from .images import find_images, open_image
from .preprocess import IMAGE_SIZE, PREPROCESSING, preprocess
from .strokes import CLASSES, ROLES, TEMPLATES, letter_roles

FORMAT = "letters-glyphs"
VERSION = 1
TENSOR_FILE = "glyphs.pt"
META_FILE = "meta.json"
SHEET_FILE = "sheet.png"
CHUNK = 500  # glyphs per work unit: small enough for a smooth progress bar, big enough to amortise IPC

ROLE_COLOURS = {  # RGB per role on the contact sheet; each letter's three roles are far apart in hue
    "A.left_diagonal": (230, 60, 60), "A.right_diagonal": (60, 140, 240), "A.crossbar": (250, 200, 40),
    "B.spine": (170, 90, 230), "B.upper_bowl": (240, 130, 40), "B.lower_bowl": (60, 200, 120),
    "C.top_curve": (240, 130, 40), "C.left_line": (230, 60, 60), "C.bottom_curve": (60, 200, 200),
}


@dataclass
class Dataset:
    images: torch.Tensor  # (N, 28, 28) uint8, ink 255
    labels: torch.Tensor  # (N,) int64 index into classes
    is_val: torch.Tensor  # (N,) bool
    classes: list
    meta: dict
    owners: torch.Tensor | None = None  # (N, 28, 28) uint8: 0 paper, k = ROLES[k-1]
    seeds: torch.Tensor | None = None  # (N,) int64 per-sample seed, to re-render strokes
    paths: list | None = None  # source files, for an ImageFolder dataset


def _owners(images: torch.Tensor, coverage: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Per pixel, the role that put most ink there (1-based into ROLES), 0 on paper."""
    offsets = torch.tensor([ROLES.index(letter_roles(c)[0]) + 1 for c in CLASSES])
    best, index = coverage[:, 0], torch.zeros_like(coverage[:, 0])
    for k in range(1, coverage.shape[1]):  # argmax over roles; torch's uint8 argmax on dim 1 is slow
        better = coverage[:, k] > best
        best = torch.where(better, coverage[:, k], best)
        index = torch.where(better, torch.full_like(index, k), index)
    owner = index + offsets[labels].to(torch.uint8)[:, None, None]
    return torch.where(images > 0, owner, torch.zeros_like(owner))


def generate_tensors(config: DatasetConfig, progress=None) -> dict:
    """Render `config.count` glyphs, balanced over the classes, in any number of workers."""
    if len({len(letter_roles(c)) for c in CLASSES}) != 1:
        raise LettersError("every letter template must have the same number of roles")
    chunks = [(s, min(s + CHUNK, config.count), config.seed, config.generator)
              for s in range(0, config.count, CHUNK)]
    parts = []
    if config.workers > 1:
        # fork where it is safe (Linux): workers start at once; elsewhere spawn, which imports only glyphs
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        with ProcessPoolExecutor(config.workers, mp_context=context) as pool:
            for part in pool.map(render_batch, chunks):
                parts.append(part)
                progress and progress(len(part[2]))
    else:
        for chunk in chunks:
            parts.append(render_batch(chunk))
            progress and progress(len(parts[-1][2]))
    n, side, roles = config.count, IMAGE_SIZE, len(letter_roles(CLASSES[0]))
    images = torch.frombuffer(bytearray(b"".join(p[0] for p in parts)), dtype=torch.uint8).view(n, side, side)
    coverage = torch.frombuffer(bytearray(b"".join(p[1] for p in parts)), dtype=torch.uint8).view(
        n, side, side, roles).permute(0, 3, 1, 2)  # (N, roles, 28, 28)
    forms = torch.frombuffer(bytearray(b"".join(p[2] for p in parts)), dtype=torch.uint8).clone()
    labels = torch.arange(n) % len(CLASSES)
    n_val = round(n * config.val_fraction)
    is_val = torch.zeros(n, dtype=torch.bool)
    is_val[n - n_val:] = True  # the tail; classes interleave, so both splits stay balanced
    seeds = torch.tensor([sample_seed(config.seed, i) for i in range(n)], dtype=torch.int64)
    return {"images": images, "labels": labels, "owners": _owners(images, coverage, labels),
            "seeds": seeds, "forms": forms, "is_val": is_val}


def _tensor_bytes(tensors: dict) -> bytes:
    buffer = io.BytesIO()  # a file name would leak into the archive and break byte-identity
    torch.save(tensors, buffer)
    return buffer.getvalue()


def render_sheet(images, owners, labels, per_class: int = 8, zoom: int = 3) -> Image.Image:
    """Contact sheet: `per_class` samples of each letter, each pixel coloured by its role, with a legend."""
    tile = IMAGE_SIZE * zoom
    rows = len(CLASSES)
    legend_w = 190
    sheet = Image.new("RGB", (per_class * tile + legend_w, rows * tile), (0, 0, 0))
    palette = [(0, 0, 0)] + [ROLE_COLOURS.get(r, (255, 255, 255)) for r in ROLES]
    for row, _ in enumerate(CLASSES):
        picks = (labels == row).nonzero().flatten()[:per_class].tolist()
        for col, i in enumerate(picks):
            ink, own = images[i].flatten().tolist(), owners[i].flatten().tolist()
            pixels = [tuple(c * v // 255 for c in palette[o]) for v, o in zip(ink, own)]
            glyph = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE))
            glyph.putdata(pixels)
            sheet.paste(glyph.resize((tile, tile), Image.Resampling.NEAREST), (col * tile, row * tile))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    x = per_class * tile + 10
    for row, letter in enumerate(CLASSES):
        for k, role in enumerate(letter_roles(letter)):
            y = row * tile + 12 + 22 * k
            draw.rectangle((x, y, x + 14, y + 14), fill=ROLE_COLOURS.get(role, (255, 255, 255)))
            draw.text((x + 20, y), role, fill=(255, 255, 255), font=font)
    return sheet


def _write_pngs(folder: Path, images: torch.Tensor, labels: torch.Tensor) -> None:
    for letter in CLASSES:
        (folder / letter).mkdir(parents=True)
    for i, (image, label) in enumerate(zip(images, labels.tolist())):
        tensor_image(image).save(
            folder / CLASSES[label] / f"{i:06d}.png")


def _check_destination(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise LettersError(f"--out {out} is a file; give a folder path")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise LettersError(f"--out {out} already exists and is not empty; add --force to replace it")
    parent = out.resolve().parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK):
        raise LettersError(f"--out {out} is not writable (no write permission in {probe}); choose another folder")


def replace_folder(staging: Path, out: Path) -> None:
    """Move a finished staging folder to `out`; an old `out` is only removed once the new one is whole."""
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        os.replace(staging, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, out)


def staging_folder(out: Path) -> Path:
    """A fresh hidden folder beside `out` (same filesystem, so the final rename is atomic);
    leftovers of killed runs are removed first."""
    out.resolve().parent.mkdir(parents=True, exist_ok=True)
    for stale in out.resolve().parent.glob(f".{out.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    staging = out.resolve().parent / f".{out.name}.tmp-{os.getpid()}"
    staging.mkdir()
    return staging


def _staging_or_error(out: Path) -> Path:
    try:
        return staging_folder(out)
    except OSError as error:
        raise LettersError(f"--out {out} cannot be written ({error.strerror or error}); choose a writable folder") from None


def write_dataset(out: Path, config: DatasetConfig, force: bool = False, progress=None) -> dict:
    """Generate and write a dataset folder atomically; return its metadata."""
    out = Path(out)
    config.validate()
    _check_destination(out, force)
    _staging_or_error(out).rmdir()  # fail before the long part if the folder cannot be written
    tensors = generate_tensors(config, progress)
    blob = _tensor_bytes(tensors)
    n_val = int(tensors["is_val"].sum())
    meta = {
        "format": FORMAT, "version": VERSION, "count": config.count, "seed": config.seed,
        "classes": list(CLASSES), "roles": list(ROLES), "image_size": IMAGE_SIZE,
        "splits": {"train": config.count - n_val, "val": n_val},
        "val_fraction": config.val_fraction,
        "letterforms": {c: [f.name for f in TEMPLATES[c]] for c in CLASSES},
        "generator": config.generator.as_dict(), "preprocessing": PREPROCESSING,
        "sha256": hashlib.sha256(blob).hexdigest(), "png": config.png,
    }
    staging = _staging_or_error(out)
    try:
        (staging / TENSOR_FILE).write_bytes(blob)
        (staging / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        render_sheet(tensors["images"], tensors["owners"], tensors["labels"]).save(staging / SHEET_FILE)
        if config.png:
            _write_pngs(staging / "png", tensors["images"], tensors["labels"])
        replace_folder(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return meta


def image_tensor(image: Image.Image) -> torch.Tensor:
    """A preprocessed 28x28 'L' image as a (28, 28) uint8 tensor."""
    return torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).view(IMAGE_SIZE, IMAGE_SIZE)


def tensor_image(image: torch.Tensor) -> Image.Image:
    """A (28, 28) uint8 tensor as a 28x28 'L' image: the inverse of image_tensor."""
    return Image.frombytes("L", (IMAGE_SIZE, IMAGE_SIZE), bytes(image.flatten().tolist()))


def class_folders(root: Path) -> dict:
    """ImageFolder class subfolders, matched to CLASSES case-insensitively."""
    folders = {}
    for child in root.iterdir():
        if child.is_dir() and child.name.upper() in CLASSES:
            folders[child.name.upper()] = child
    return folders


def is_image_folder(root: Path) -> bool:
    return Path(root).is_dir() and bool(class_folders(Path(root)))


def load_image_folder(root: Path, val_fraction: float = 0.1, seed: int = 0) -> Dataset:
    """A folder with A/, B/, C/ subfolders of images, preprocessed like generated glyphs."""
    root = Path(root)
    folders = class_folders(root)
    images, labels, paths = [], [], []
    for letter, folder in sorted(folders.items()):
        for path in find_images([folder])[0]:
            try:
                image, _ = preprocess(open_image(path))
            except LettersError as error:
                raise LettersError(f"{path}: {error}") from None
            images.append(image_tensor(image))
            labels.append(CLASSES.index(letter))
            paths.append(str(path))
    if not images:
        raise LettersError(f"{root}: no images under its A/, B/, C/ subfolders")
    n = len(images)
    order = list(range(n))
    random.Random(seed).shuffle(order)
    is_val = torch.zeros(n, dtype=torch.bool)
    is_val[order[: max(1, round(n * val_fraction)) if n > 1 else 0]] = True
    meta = {"format": "imagefolder", "count": n, "classes": list(CLASSES), "root": str(root)}
    return Dataset(torch.stack(images), torch.tensor(labels), is_val, list(CLASSES), meta, paths=paths)


def load_dataset(path: str | Path, val_fraction: float = 0.1, seed: int = 0) -> Dataset:
    """Load a generated dataset folder (or an ImageFolder tree); refuse anything else in one line."""
    path = Path(path)
    if not path.exists():
        raise LettersError(f"dataset {path} does not exist; make one with: letters generate --out {path}")
    if not path.is_dir():
        raise LettersError(f"dataset {path} is a file; give the folder that letters generate wrote")
    meta_path = path / META_FILE
    if not meta_path.exists():
        if is_image_folder(path):
            return load_image_folder(path, val_fraction, seed)
        raise LettersError(f"{path} is not a letters dataset (no {META_FILE}) nor a folder with A/, B/, C/ "
                           "subfolders; make one with: letters generate")
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LettersError(f"{meta_path} is corrupt ({error.__class__.__name__}); regenerate the dataset") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise LettersError(f"{path} is not a letters dataset ({META_FILE} has no format {FORMAT!r})")
    if meta.get("version") != VERSION:
        raise LettersError(f"{path} is dataset version {meta.get('version')}, this letters reads version "
                           f"{VERSION}; regenerate it")
    try:
        blob = (path / TENSOR_FILE).read_bytes()
    except OSError:
        raise LettersError(f"{path / TENSOR_FILE} is missing; regenerate the dataset") from None
    if hashlib.sha256(blob).hexdigest() != meta.get("sha256"):
        raise LettersError(f"{path / TENSOR_FILE} is corrupt (content hash differs from {META_FILE}); "
                           "regenerate the dataset")
    try:
        tensors = torch.load(io.BytesIO(blob), weights_only=True)
    except Exception as error:  # noqa: BLE001 - torch raises many types for a damaged archive
        raise LettersError(f"{path / TENSOR_FILE} cannot be read ({type(error).__name__}); regenerate it") from None
    meta = {**meta, "root": str(path)}  # where it was loaded from; not part of meta.json
    return Dataset(tensors["images"], tensors["labels"], tensors["is_val"], list(meta["classes"]), meta,
                   owners=tensors["owners"], seeds=tensors["seeds"])


def generator_config(meta: dict) -> GeneratorConfig:
    """The generator settings a dataset was made with, to re-render its strokes."""
    return GeneratorConfig.from_dict(meta["generator"])
