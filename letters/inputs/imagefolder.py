"""Folders of labelled images in ImageFolder layout (`A/`, `B/`, `C/`, any case).

Finds the class subfolders and reads every image in them through the one preprocessing
function, as `letters train` (on real letters) and `letters evaluate` need.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..alphabet import CLASSES
from ..errors import LettersError
from .images import find_images, open_image
from .preprocess import preprocess
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


def read_image_folder(root: Path) -> tuple[torch.Tensor, torch.Tensor, list[str], list[dict]]:
    """Every image under the class subfolders, preprocessed: images (N, 28, 28) uint8, labels (N,)
    into CLASSES, the paths, and `{"path", "error"}` for each file that could not be used (the
    others are still read). No usable image at all stops it with a line naming the first problem."""
    root = Path(root)
    images, labels, paths, failed = [], [], [], []
    for letter, folder in sorted(class_folders(root).items()):
        for path in find_images([folder])[0]:
            try:
                image, _ = preprocess(open_image(path))
            except LettersError as error:
                failed.append({"path": str(path), "error": str(error)})
                continue
            images.append(image_tensor(image))
            labels.append(CLASSES.index(letter))
            paths.append(str(path))
    if not images:
        first = f" (first: {failed[0]['path']}: {failed[0]['error']})" if failed else ""
        raise LettersError(f"{root}: no usable images under its A/, B/, C/ subfolders{first}")
    return torch.stack(images), torch.tensor(labels), paths, failed
