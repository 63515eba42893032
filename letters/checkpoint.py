"""Checkpoints: one file of plain types, written atomically, loaded with weights_only.

`{"format", "version", "dims", "model_state_dict", "classes", "preprocessing",
"train_config", "metrics"}`. `load_model` refuses a missing file, a file that is not
a letters checkpoint, another version, and pickled code, each in one line.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import torch

from .errors import LettersError
from .files import atomic_file
from .model import LetterMLP, ModelDims

FORMAT = "letters-mlp"
VERSION = 1
KEYS = ("format", "version", "dims", "model_state_dict", "classes", "preprocessing", "train_config", "metrics")


def make_checkpoint(model: LetterMLP, classes, preprocessing: dict, train_config: dict, metrics: dict) -> dict:
    return {
        "format": FORMAT, "version": VERSION, "dims": model.dims.as_dict(),
        "model_state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "classes": list(classes), "preprocessing": dict(preprocessing),
        "train_config": dict(train_config), "metrics": dict(metrics),
    }


def save_checkpoint(checkpoint: dict, path: str | Path) -> None:
    """Write to a temporary file beside `path`, then rename: never a half-written checkpoint."""
    with atomic_file(path) as f:
        torch.save(checkpoint, f)


def read_checkpoint(path: str | Path) -> dict:
    """The checkpoint dict, validated; LettersError in one line otherwise."""
    path = Path(path)
    if not path.exists():
        raise LettersError(f"model file {path} does not exist; train one with: letters train --out {path}")
    if path.is_dir():
        raise LettersError(f"model file {path} is a folder; give the .pt file that letters train wrote")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        if "Unsupported global" in str(error) or "GLOBAL" in str(error):  # a class or function to call
            raise LettersError(f"model file {path} holds pickled code, which is refused for safety; "
                               "use a checkpoint written by letters train") from None
        raise LettersError(f"model file {path} is not a letters checkpoint (unreadable pickle); "
                           "use one written by letters train") from None
    except Exception as error:  # noqa: BLE001 - torch raises many types for a damaged file
        reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        raise LettersError(f"model file {path} is not a letters checkpoint or is damaged ({reason}); "
                           "use one written by letters train") from None
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT:
        raise LettersError(f"model file {path} is not a letters checkpoint (format is not {FORMAT!r})")
    if checkpoint.get("version") != VERSION:
        raise LettersError(f"model file {path} is checkpoint version {checkpoint.get('version')!r}; this letters "
                           f"reads version {VERSION}; retrain it with letters train")
    missing = [k for k in KEYS if k not in checkpoint]
    if missing:
        raise LettersError(f"model file {path} is missing {', '.join(missing)}; retrain it with letters train")
    return checkpoint


def load_model(path: str | Path, device: str | torch.device = "cpu") -> tuple[LetterMLP, dict]:
    """Rebuild the network from a checkpoint file, in eval mode on `device`."""
    checkpoint = read_checkpoint(path)
    try:
        model = LetterMLP(ModelDims.from_dict(checkpoint["dims"]))
        model.load_state_dict(checkpoint["model_state_dict"])
    except (KeyError, TypeError, ValueError, RuntimeError, LettersError) as error:  # LettersError: dims out of range
        reason = str(error).splitlines()[0][:120]
        raise LettersError(f"model file {path} has weights that do not fit its dims ({reason}); "
                           "retrain it with letters train") from None
    return model.to(device).eval(), checkpoint
