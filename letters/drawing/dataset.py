"""Datasets on disk: writing them atomically and loading them back.

A dataset folder holds `glyphs.pt` (uint8 images, labels, per-pixel stroke owners,
per-sample seeds and letterforms, the validation flag), `meta.json` (how it was made
and a content hash), `sheet.png` (samples coloured by role) and, with `png=True`,
an ImageFolder tree of PNGs. The glyphs come from `generator`, the sheet from
`pictures`; a folder of user images in ImageFolder layout (`A/`, `B/`, `C/`, read by
`imagefolder`) loads as a Dataset too, with a seeded validation split.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch

from ..alphabet import CLASSES, ROLES, TEMPLATES
from ..config import DatasetConfig, GeneratorConfig
from ..errors import LettersError, OptionError
from ..files import replace_folder, staging_folder
from ..inputs.imagefolder import is_image_folder, read_image_folder
from ..inputs.preprocess import IMAGE_SIZE, PREPROCESSING
from ..inputs.tensors import tensor_image
from .generator import generate_tensors
from .sheet import render_sheet

FORMAT = "letters-glyphs"
VERSION = 1
TENSOR_FILE = "glyphs.pt"
META_FILE = "meta.json"
SHEET_FILE = "sheet.png"
MANIFEST_FILE = "manifest.sha256"  # every file write_dataset made, with its hash: what --force may delete



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


def _tensor_bytes(tensors: dict) -> bytes:
    buffer = io.BytesIO()  # a file name would leak into the archive and break byte-identity
    torch.save(tensors, buffer)
    return buffer.getvalue()


def _write_pngs(folder: Path, images: torch.Tensor, labels: torch.Tensor) -> None:
    for letter in CLASSES:
        (folder / letter).mkdir(parents=True)
    for i, (image, label) in enumerate(zip(images, labels.tolist())):
        tensor_image(image).save(
            folder / CLASSES[label] / f"{i:06d}.png")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path) -> None:
    """Record every file under `folder` with its hash (sha256sum's format), as the last file written."""
    names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    (folder / MANIFEST_FILE).write_text("".join(f"{_sha256(folder / n)}  {n}\n" for n in names))


def stranger(folder: Path) -> str | None:
    """The first thing under `folder` that write_dataset did not make, as a path, or None when every
    file is one its manifest names with the same hash (and every folder holds only those). A link is
    always a stranger, and so is everything in a folder with no manifest."""
    try:
        lines = (folder / MANIFEST_FILE).read_text(encoding="utf-8").splitlines()
        recorded: dict[str, str] = {}
        for line in lines:
            digest, name = line.split("  ", 1)
            recorded[name] = digest
    except (OSError, UnicodeDecodeError, ValueError):
        return f"{folder / MANIFEST_FILE} (missing or unreadable: the folder was not made by this letters)"
    folders = {str(Path(n).parent) for n in recorded} | {"png", *(f"png/{c}" for c in CLASSES)}
    pending = [folder]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                name = str(Path(entry.path).relative_to(folder))
                if entry.is_symlink():
                    return entry.path
                if entry.is_dir():
                    if name not in folders:
                        return entry.path
                    pending.append(Path(entry.path))
                elif name != MANIFEST_FILE and (not entry.is_file() or recorded.get(name) != _sha256(Path(entry.path))):
                    return entry.path
    return None


def check_destination(out: Path, force: bool) -> None:
    """Refuse an --out that is not a folder we may fill: a file, the current folder or one above
    it, a non-empty folder without --force, or with --force a folder that is not a letters dataset."""
    out = Path(out)
    where = out.resolve()
    if where == Path.cwd().resolve() or where in Path.cwd().resolve().parents or not where.name:
        raise OptionError("out", f"{out} is the current folder or one above it; give a new folder, e.g. data/glyphs")
    if out.is_symlink():
        raise OptionError("out", f"{out} is a symbolic link; give the folder itself (the link would be replaced)")
    if out.exists() and not out.is_dir():
        raise OptionError("out", f"{out} is a file; give a folder path")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise OptionError("out", lambda name: f"{out} already exists and is not empty; add {name('force')} to replace it")
        first = stranger(out)
        if first is not None:
            raise OptionError("out", lambda name: f"{out} holds what letters generate did not make ({first}); "
                                                  f"{name('force')} replaces only a dataset's own files: move it out "
                                                  "or choose another folder")
    parent = where.parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK):
        raise OptionError("out", f"{out} is not writable (no write permission in {probe}); choose another folder")


def _staging_or_error(out: Path) -> Path:
    try:
        return staging_folder(out)
    except OSError as error:
        raise OptionError("out", f"{out} cannot be written ({error.strerror or error}); choose a writable folder") from None


def write_dataset(out: Path, config: DatasetConfig, force: bool = False, progress=None) -> dict:
    """Generate and write a dataset folder atomically; return its metadata."""
    out = Path(out)
    config.validate()
    check_destination(out, force)
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
        write_manifest(staging)
        replace_folder(staging, out, lambda: check_destination(out, force))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return meta


def load_image_folder(root: Path, val_fraction: float = 0.1, seed: int = 0) -> Dataset:
    """A folder with A/, B/, C/ subfolders of images, preprocessed like generated glyphs, with a
    seeded validation split (at least one image when there are two or more)."""
    images, labels, paths, failed = read_image_folder(root)
    n = len(labels)
    order = list(range(n))
    random.Random(seed).shuffle(order)
    is_val = torch.zeros(n, dtype=torch.bool)
    is_val[order[: max(1, round(n * val_fraction)) if n > 1 else 0]] = True
    meta = {"format": "imagefolder", "count": n, "classes": list(CLASSES), "root": str(root), "failed": failed}
    return Dataset(images, labels, is_val, list(CLASSES), meta, paths=paths)


def load_dataset(path: str | Path, val_fraction: float = 0.1, seed: int = 0) -> Dataset:
    """Load a generated dataset folder (or an ImageFolder tree); refuse anything else in one line."""
    path = Path(path)
    if not path.exists():
        raise LettersError(lambda name: f"dataset {path} does not exist; make one with: letters generate "
                                       f"{name('out')} {path}")
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
