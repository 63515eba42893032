"""Concurrency: several classify processes at once on the same model give the same answers."""

import json
import subprocess
import sys

from conftest import draw_letter


def test_concurrent_classify_processes_agree(tmp_path):
    for letter in "ABC":
        draw_letter(letter, size=90 + 20 * "ABC".index(letter)).save(tmp_path / f"{letter}.png")
    processes = [subprocess.Popen([sys.executable, "-m", "letters", "classify", str(tmp_path), "--json"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    answers = [[json.loads(line) for line in out.splitlines()] for out, _ in outputs]
    assert all(a == answers[0] for a in answers)
    assert [r["prediction"] for r in answers[0]] == ["A", "B", "C"]
