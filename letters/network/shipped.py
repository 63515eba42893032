"""Files that ship inside the package: the default model and the hand-drawn samples.

They live in `letters/network/assets/` and are found through `importlib.resources`, so an
installed wheel (not only a source checkout) classifies and runs the demo.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import LettersError


def asset(name: str) -> Path:
    """The path of `letters/network/assets/<name>` in the installed package."""
    resource = resources.files("letters.network").joinpath("assets").joinpath(name)
    if not isinstance(resource, Path):  # a zipped install: torch.load and folder walks need real files
        raise LettersError(f"letters is installed as a zip archive, so its {name} is not a file; install it unzipped")
    return resource


DEFAULT_MODEL = asset("letters-mlp.pt")  # the model `classify`, `evaluate` and `analyze` use by default
SAMPLES = asset("samples")  # nine hand-drawn letters: pen on paper, marker on transparency, chalk on a board
