"""Folders of labelled images in ImageFolder layout (`A/`, `B/`, `C/`, any case).

Finds the class subfolders and reads every image in them through the one preprocessing
function, as `letters train` (on real letters) and `letters evaluate` need.
"""

from __future__ import annotations

from pathlib import Path

import torch

from .errors import LettersError
from .images import find_images, open_image
from .preprocess import preprocess
from .strokes import CLASSES
from .tensors import image_tensor


def class_folders(root: Path) -> dict[str, Path]:
    """ImageFolder class subfolders, matched to CLASSES case-insensitively."""
    folders = {}
    for child in Path(root).iterdir():
        if child.is_dir() and child.name.upper() in CLASSES:
            folders[child.name.upper()] = child
    return folders


def is_image_folder(root: Path) -> bool:
    return Path(root).is_dir() and bool(class_folders(Path(root)))


def read_image_folder(root: Path) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Every image under the class subfolders, preprocessed: images (N, 28, 28) uint8, labels (N,)
    into CLASSES, and the paths. An unreadable image stops it with a line naming the file."""
    root = Path(root)
    images, labels, paths = [], [], []
    for letter, folder in sorted(class_folders(root).items()):
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
    return torch.stack(images), torch.tensor(labels), paths
