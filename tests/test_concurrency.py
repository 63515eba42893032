"""Concurrency on shared state: two processes rewrite the same checkpoint over and over while a
third reads it; the reader only ever sees a whole checkpoint from one writer or the other, and
no temporary file is left."""

import subprocess
import sys

WRITER = """
import sys, torch
from letters.checkpoint import make_checkpoint, save_checkpoint
from letters.model import LetterMLP, ModelDims
torch.manual_seed(int(sys.argv[2]))
model = LetterMLP(ModelDims(784, (256,), 3))  # about 0.8 MB: a write takes long enough to be caught
with torch.no_grad():
    model.output.bias.fill_(float(sys.argv[2]))  # which writer a file came from
checkpoint = make_checkpoint(model, ["A", "B", "C"], {}, {}, {})
for _ in range(int(sys.argv[3])):
    save_checkpoint(checkpoint, sys.argv[1])
"""

READER = """
import sys, os
from letters.checkpoint import load_model
from letters.errors import LettersError
seen, reads = set(), 0
while not os.path.exists(sys.argv[2]) or reads < 5:
    try:
        model, _ = load_model(sys.argv[1])
    except LettersError as error:
        sys.exit(f"read a broken checkpoint: {error}")
    seen.add(float(model.output.bias[0]))
    reads += 1
print(reads, sorted(seen))
"""


def _python(code, *args):
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_readers_never_see_a_half_written_checkpoint(tmp_path):
    target, done = tmp_path / "shared.pt", tmp_path / "writers-done"
    assert _python(WRITER, target, 1, 1).wait(timeout=120) == 0  # a first whole file
    reader = _python(READER, target, done)
    writers = [_python(WRITER, target, seed, 15) for seed in (1, 2)]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    done.touch()
    out, err = reader.communicate(timeout=300)
    assert reader.returncode == 0, err
    reads, seen = out.split(" ", 1)
    assert int(reads) >= 5 and set(eval(seen)) <= {1.0, 2.0}
    assert [p.name for p in tmp_path.iterdir() if p.name != done.name] == ["shared.pt"]  # no temporary files
