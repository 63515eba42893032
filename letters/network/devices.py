"""Choosing the torch device: `auto` takes the accelerator when there is one.

One function, so that train, classify, analyze and demo all accept the same
`--device auto|cpu|cuda|cuda:N|mps` and refuse an absent device in one line.
"""

from __future__ import annotations

import torch

from ..errors import OptionError


def resolve_device(name: str = "auto") -> torch.device:
    """`auto`, `cpu`, `cuda`, `cuda:N` or `mps` -> a usable torch.device, or LettersError."""
    name = (name or "auto").strip().lower()
    if name == "auto":
        if torch.accelerator.is_available():
            return torch.accelerator.current_accelerator() or torch.device("cpu")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise OptionError("device", f"{name!r}: unknown device; use auto, cpu, cuda, cuda:N or mps") from None
    if device.type == "cpu":
        return device
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise OptionError("device", f"{name!r} was asked for but this machine has no CUDA GPU; use cpu or auto")
        index = device.index or 0
        if index >= torch.cuda.device_count():
            raise OptionError("device", f"{name!r} does not exist: this machine has {torch.cuda.device_count()} "
                               "CUDA device(s)")
        return device
    if device.type == "mps":
        if not torch.backends.mps.is_available():
            raise OptionError("device", f"{name!r} was asked for but MPS is not available here; use cpu or auto")
        return device
    raise OptionError("device", f"{name!r} is not supported; use auto, cpu, cuda, cuda:N or mps")
