"""The alphabet is data (issue 30): a fourth letter is a template in a file and a retrain, never an edit of
the code. A temporary alphabet with a D drawn from three named strokes generates, trains a tiny network and
is analysed, each by the ordinary commands, with LETTERS_ALPHABET naming the file."""

import json
import os
import subprocess
import sys

import torch

from letters.alphabet import CLASSES, LOOKALIKES, ROLES, TARGET, letter_roles

D_ALPHABET = '''
from dataclasses import replace

from letters.alphabet.geometry import Letterform, curve, line


def extend(base):
    """A, B and C, and a D: a spine, a top arc and a bottom arc (no longer a near miss)."""
    d = tuple(Letterform(name, (line("D.spine", (0.1, 0.0), (0.1, 1.0)),
                                curve("D.top_arc", (0.1, 0.0), (0.6, -0.02), (0.95, 0.2), (0.95, 0.5)),
                                curve("D.bottom_arc", (0.95, 0.5), (0.95, 0.8), (0.6, 1.02), (0.1, 1.0))))
              for name in ("round",))
    wide = (Letterform("wide", tuple(replace(p, controls=tuple((1.3 * x, y) for x, y in p.controls))
                                     for p in d[0].pieces)),)
    others = {k: v for k, v in base.non_letters.items() if k != "D"}
    return replace(base, templates={**base.templates, "D": d + wide}, non_letters=others)
'''


def _letters(args, cwd, env):
    done = subprocess.run([sys.executable, "-m", "letters", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def test_a_fourth_letter_is_a_template_and_a_retrain(tmp_path):
    (tmp_path / "abcd.py").write_text(D_ALPHABET)
    env = {**os.environ, "LETTERS_ALPHABET": str(tmp_path / "abcd.py")}
    meta = json.loads(_letters(["generate", "--out", "ds", "--count", "240", "--json"], tmp_path, env))
    assert meta["classes"] == ["A", "B", "C", "D"] and meta["roles"][-3:] == ["D.spine", "D.top_arc", "D.bottom_arc"]
    _letters(["train", "--data", "ds", "--out", "m.pt", "--epochs", "2", "--hidden", "8", "--device", "cpu", "--json"],
             tmp_path, env)
    checkpoint = torch.load(tmp_path / "m.pt", weights_only=True)
    assert checkpoint["classes"] == ["A", "B", "C", "D"] and checkpoint["dims"]["outputs"] == 4
    report = json.loads(_letters(["analyze", "--model", "m.pt", "--probes", "3", "--json"], tmp_path, env))
    assert report["classes"] == ["A", "B", "C", "D"] and "D.top_arc" in report["roles"]
    assert set(report["units"][0]["votes"]) == {"A", "B", "C", "D"}
    assert {c["letter"] for c in report["example"]["letter_like"]} == {"A", "B", "C", "D"}
    assert report["example"]["chance"] == 0.25


def test_the_shipped_alphabet_names_its_letters_strokes_and_the_texts_pairs():
    assert CLASSES == ("A", "B", "C") and TARGET == "C" and len(ROLES) == 9
    assert all(len(letter_roles(c)) == 3 for c in CLASSES)
    assert LOOKALIKES == (("C.top_curve", "B.upper_bowl"), ("C.left_line", "A.left_diagonal"))
