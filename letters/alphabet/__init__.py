"""The alphabet: the letters as named strokes (data), their lookalikes and morphs, and the near misses.

`ALPHABET` is the one in use: `abc.ABC`, the A, B and C letters ships, or, when the environment
variable LETTERS_ALPHABET names a Python file, the alphabet that file's `extend(base)` returns: a
fourth letter is a template there and a retrain, never an edit of the code. Every other module reads
CLASSES, ROLES, TEMPLATES, LOOKALIKES, MORPHS, OPENINGS, NO_EXIT and NON_LETTERS from here.
"""

from __future__ import annotations

import functools
import importlib.util
import os

from .geometry import Alphabet, Letterform, Morph, Piece, Point, arc, bezier_points, curve, line


def _load() -> Alphabet:
    from .abc import ABC

    path = os.environ.get("LETTERS_ALPHABET", "")
    if not path:
        return ABC
    spec = importlib.util.spec_from_file_location("letters_alphabet_extension", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"LETTERS_ALPHABET={path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.extend(ABC)


ALPHABET = _load()
TEMPLATES = ALPHABET.templates
CLASSES: tuple[str, ...] = tuple(TEMPLATES)
# Role names in a fixed order: each letter's roles in the order its first letterform lists them.
ROLES: tuple[str, ...] = tuple(dict.fromkeys(p.role for letter in CLASSES for p in TEMPLATES[letter][0].pieces))
LOOKALIKES = ALPHABET.lookalikes
TARGET = LOOKALIKES[0][0].split(".")[0] if LOOKALIKES else CLASSES[-1]  # the letter the lookalikes are mistaken for
MORPHS = ALPHABET.morphs
OPENINGS = ALPHABET.openings
NO_EXIT = ALPHABET.no_exit
NON_LETTERS = ALPHABET.non_letters


@functools.lru_cache(maxsize=None)
def letter_roles(letter: str) -> tuple[str, ...]:
    """The roles that make up `letter`, in ROLES order."""
    return tuple(r for r in ROLES if r.split(".")[0] == letter)


def letter_of(role: str) -> str:
    """`B.upper_bowl` -> `B`."""
    return role.split(".")[0]


__all__ = ["ALPHABET", "CLASSES", "LOOKALIKES", "MORPHS", "NON_LETTERS", "NO_EXIT", "OPENINGS", "ROLES", "TARGET",
           "TEMPLATES", "Alphabet", "Letterform", "Morph", "Piece", "Point", "arc", "bezier_points", "curve", "letter_of",
           "letter_roles", "line"]
