"""Inference: image files in, letters with probabilities out.

Every file goes through `images.open_image` and the one `preprocess` function, then
through the network in batches. A file that cannot be used becomes an error record
and the others are still classified. `evaluate_folder` scores an ImageFolder tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from .config import ClassifyConfig
from .dataset import class_folders, image_tensor
from .errors import LettersError
from .images import find_images, open_image
from .model import LetterMLP
from .preprocess import preprocess
from .shipped import DEFAULT_MODEL as DEFAULT_MODEL  # noqa: F401 - where callers looked for it before

BATCH = 1024  # images per forward pass


@dataclass
class Loaded:
    path: str
    image: torch.Tensor | None = None  # (28, 28) uint8, the network's view
    error: str | None = None


def load_input(path: str | Path) -> Loaded:
    """One file through the loader and the preprocessing function; errors become text."""
    try:
        image, _ = preprocess(open_image(path))
    except LettersError as error:
        return Loaded(str(path), error=str(error))
    return Loaded(str(path), image_tensor(image))


def load_inputs(paths) -> list[Loaded]:
    """Files and folders (searched recursively) -> one Loaded per image or problem."""
    files, problems = find_images(paths)
    return [Loaded(str(p), error=why) for p, why in problems] + [load_input(p) for p in files]


@torch.no_grad()
def probabilities(model: LetterMLP, images: torch.Tensor) -> torch.Tensor:
    """(N, 28, 28) uint8 -> (N, classes) softmax probabilities, in batches."""
    device = next(model.parameters()).device
    out = [torch.softmax(model(images[i:i + BATCH].to(device).flatten(1).float() / 255.0), 1).cpu()
           for i in range(0, len(images), BATCH)]
    return torch.cat(out) if out else torch.zeros(0, model.dims.outputs)


@torch.no_grad()
def unit_contributions(model: LetterMLP, image: torch.Tensor, class_index: int) -> list[tuple[int, float]]:
    """Last hidden layer: (unit, activation x outgoing weight to the class), largest push first."""
    device = next(model.parameters()).device
    hidden = model.hidden_activations(image.to(device).flatten().float()[None] / 255.0)[-1][0]
    push = hidden * model.output.weight[class_index]
    order = push.argsort(descending=True).tolist()
    return [(i, float(push[i])) for i in order]


def classify(model: LetterMLP, classes, loaded: list[Loaded], min_confidence: float = ClassifyConfig.min_confidence) -> list[dict]:
    """One record per input: prediction, probabilities and unsure, or the error."""
    good = [item for item in loaded if item.error is None]
    probs = probabilities(model, torch.stack([item.image for item in good])) if good else None
    records, k = [], 0
    for item in loaded:
        if item.error is not None:
            records.append({"path": item.path, "error": item.error})
            continue
        p = probs[k]
        k += 1
        top = int(p.argmax())
        records.append({"path": item.path, "prediction": classes[top],
                        "probabilities": {c: round(float(v), 6) for c, v in zip(classes, p)},
                        "unsure": bool(float(p[top]) < min_confidence)})
    return records


def evaluate_folder(model: LetterMLP, classes, root: str | Path, worst: int = 10) -> dict:
    """Accuracy, per-class accuracy, confusion matrix (rows true, columns predicted) and
    the worst-classified files of an ImageFolder tree (A/, B/, C/, case-insensitive)."""
    root = Path(root)
    if not root.exists():
        raise LettersError(f"{root} does not exist; give a folder with A/, B/, C/ subfolders")
    if not root.is_dir():
        raise LettersError(f"{root} is a file; give a folder with A/, B/, C/ subfolders")
    folders = class_folders(root)
    if not folders:
        raise LettersError(f"{root} has no A/, B/ or C/ subfolders; put each letter's images in its own folder")
    truth, loaded = [], []
    for letter, folder in sorted(folders.items()):
        files, _ = find_images([folder])
        for f in files:
            loaded.append(load_input(f))
            truth.append(classes.index(letter))
    if not loaded:
        raise LettersError(f"{root}: its letter subfolders hold no images")
    failed = [{"path": item.path, "error": item.error} for item in loaded if item.error]
    keep = [i for i, item in enumerate(loaded) if item.error is None]
    if not keep:
        raise LettersError(f"{root}: none of its {len(loaded)} images could be read (first: {failed[0]['error']})")
    probs = probabilities(model, torch.stack([loaded[i].image for i in keep]))
    y = torch.tensor([truth[i] for i in keep])
    pred = probs.argmax(1)
    confusion = torch.zeros(len(classes), len(classes), dtype=torch.int64)
    confusion.index_put_((y, pred), torch.ones_like(y), accumulate=True)
    per_class = {c: (float(confusion[i, i] / confusion[i].sum()) if confusion[i].sum() else None)
                 for i, c in enumerate(classes)}
    true_prob = probs[torch.arange(len(y)), y]
    order = true_prob.argsort().tolist()[:worst]
    return {
        "n": len(keep), "accuracy": float((pred == y).float().mean()), "per_class": per_class,
        "confusion": confusion.tolist(), "classes": list(classes),
        "worst": [{"path": loaded[keep[i]].path, "true": classes[int(y[i])], "prediction": classes[int(pred[i])],
                   "probability_true": round(float(true_prob[i]), 4)} for i in order],
        "failed": failed,
    }
