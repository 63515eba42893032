"""Checkpoints: one file of plain types, written atomically, loaded with weights_only.

`{"format", "version", "dims", "model_state_dict", "classes", "preprocessing",
"train_config", "metrics"}` (extra keys of plain types are allowed), and optionally `"novelty"`:
the none-of-the-letters detector (`{"dims", "model_state_dict", "threshold", "kinds",
"calibration", "config"}`, see letters.novelty). `load_model` refuses, each in one line: a
missing file, a file that is not regular (a FIFO would hang), a file that is not a torch zip
archive (a raw pickle), another format or version, pickled code, classes other than A, B, C,
dims other than 784 inputs and one output per class, and weights that are not finite.
"""

from __future__ import annotations

import os
import pickle
import stat
import warnings
from pathlib import Path

import torch

from ..alphabet import CLASSES
from ..errors import LettersError
from ..files import atomic_file
from .model import LetterMLP, ModelDims

FORMAT = "letters-mlp"
VERSION = 1
INPUTS = 28 * 28  # the preprocessed image, flattened
KEYS = ("format", "version", "dims", "model_state_dict", "classes", "preprocessing", "train_config", "metrics")


def make_checkpoint(model: LetterMLP, classes, preprocessing: dict, train_config: dict, metrics: dict,
                    novelty: dict | None = None) -> dict:
    """The checkpoint dict; `novelty` is the optional none-of-A-B-C detector (letters.novelty)."""
    checkpoint = {
        "format": FORMAT, "version": VERSION, "dims": model.dims.as_dict(),
        "model_state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "classes": list(classes), "preprocessing": dict(preprocessing),
        "train_config": dict(train_config), "metrics": dict(metrics),
    }
    if novelty is not None:
        checkpoint["novelty"] = novelty
    return checkpoint


def save_checkpoint(checkpoint: dict, path: str | Path) -> None:
    """Write to a temporary file beside `path`, then rename: never a half-written checkpoint."""
    with atomic_file(path) as f:
        torch.save(checkpoint, f)


def read_checkpoint(path: str | Path) -> dict:
    """The checkpoint dict, validated; LettersError in one line otherwise."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise LettersError(lambda name: f"model file {path} does not exist; train one with: letters train "
                                       f"{name('out')} {path}") from None
    except OSError as error:
        raise LettersError(f"model file {path} cannot be read ({error.strerror or error})") from None
    if stat.S_ISDIR(mode):
        raise LettersError(f"model file {path} is a folder; give the .pt file that letters train wrote")
    if not stat.S_ISREG(mode):  # a FIFO would block the read forever, a device could be endless
        raise LettersError(f"model file {path} is not a regular file (a FIFO, device or socket); "
                           "give the .pt file that letters train wrote")
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as error:
        raise LettersError(f"model file {path} cannot be read ({error.strerror or error})") from None
    if magic != b"PK\x03\x04":  # torch.save writes a zip archive; anything else is not ours
        raise LettersError(f"model file {path} is not a letters checkpoint (not a torch zip archive); "
                           "use one written by letters train")
    try:
        with warnings.catch_warnings():  # torch warns about pickle details before refusing; the refusal says it all
            warnings.simplefilter("ignore")
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
    _check_contents(path, checkpoint)
    return checkpoint


def _check_contents(path: Path, checkpoint: dict) -> None:
    """Classes, dims and weights that this letters can use; LettersError in one line otherwise."""
    bad = f"model file {path} is not usable"
    classes, dims, state = checkpoint["classes"], checkpoint["dims"], checkpoint["model_state_dict"]
    if classes != list(CLASSES):
        raise LettersError(f"{bad}: its classes are {classes!r}, not {list(CLASSES)!r}; retrain it with letters train")
    if not isinstance(dims, dict) or dims.get("inputs") != INPUTS:
        got = dims.get("inputs") if isinstance(dims, dict) else dims
        raise LettersError(f"{bad}: it expects {got!r} inputs, not {INPUTS} (28x28 pixels); retrain it with letters train")
    if dims.get("outputs") != len(classes):
        raise LettersError(f"{bad}: it has {dims.get('outputs')!r} outputs for {len(classes)} classes; "
                           "retrain it with letters train")
    _check_weights(bad, state, "")
    if checkpoint.get("novelty") is not None:
        _check_detector(bad, checkpoint["novelty"])


def _check_weights(bad: str, state, what: str) -> None:
    """Tensors of float32 (what letters train writes: float16 loses weights, integers are not weights and
    complex numbers would silently lose their imaginary part), every one finite."""
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise LettersError(f"{bad}: {what}model_state_dict does not hold tensors; retrain it with letters train")
    odd = [(name, t.dtype) for name, t in state.items() if t.dtype != torch.float32]
    if odd:
        raise LettersError(f"{bad}: {what}{odd[0][0]} holds {str(odd[0][1]).replace('torch.', '')} numbers, not float32; "
                           "retrain it with letters train")
    diverged = [name for name, tensor in state.items() if not bool(torch.isfinite(tensor).all())]
    if diverged:
        raise LettersError(lambda setting: f"{bad}: {what}{diverged[0]} holds NaN or infinite weights (a diverged run); "
                                           f"retrain it with a lower {setting('lr')}")


def _check_detector(bad: str, entry) -> None:
    """The none-of-the-letters detector is checked as strictly as the classifier, so every command
    refuses the same checkpoints (and `classify` never refuses one that `analyze` accepted)."""
    damaged = f"{bad}: its none-of-the-letters detector is damaged"
    try:
        dims = ModelDims.from_dict(entry["dims"])
        threshold = float(entry["threshold"])
        state = entry["model_state_dict"]
    except (KeyError, TypeError, ValueError):
        raise LettersError(f"{damaged} (missing or malformed dims, threshold or weights); retrain it with letters train") from None
    if dims.inputs != INPUTS or dims.outputs != 2 or not 0.0 < threshold < 1.0:
        raise LettersError(f"{damaged} (dims or threshold out of range); retrain it with letters train")
    _check_weights(bad, state, "its detector's ")
    try:
        LetterMLP(dims).load_state_dict(state)
    except (RuntimeError, ValueError, LettersError) as error:
        raise LettersError(f"{damaged} ({str(error).splitlines()[0][:80]}); retrain it with letters train") from None


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
