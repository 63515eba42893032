"""Concurrency on shared state: two processes rewrite the same checkpoint over and over while the
test reads it; the reader only ever sees a whole checkpoint from one writer or the other, and
no temporary file is left."""

import subprocess
import sys
import time

import torch

from letters.network.checkpoint import load_model, make_checkpoint, save_checkpoint
from letters.network.model import LetterMLP, ModelDims

WRITER = """
import sys, torch
from letters.network.checkpoint import make_checkpoint, save_checkpoint
from letters.network.model import LetterMLP, ModelDims
torch.manual_seed(int(sys.argv[2]))
model = LetterMLP(ModelDims(784, (256,), 3))  # about 0.8 MB: a write takes long enough to be caught
with torch.no_grad():
    model.output.bias.fill_(float(sys.argv[2]))  # which writer a file came from
checkpoint = make_checkpoint(model, ["A", "B", "C"], {}, {}, {})
print("ready", flush=True)  # imports done: wait for the start, so the reader reads only while both write
sys.stdin.readline()
for _ in range(int(sys.argv[3])):
    save_checkpoint(checkpoint, sys.argv[1])
"""

def _python(code, *args):
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_readers_never_see_a_half_written_checkpoint(tmp_path):
    target = tmp_path / "shared.pt"
    with torch.random.fork_rng():  # a first whole file from writer 1, written here: one interpreter fewer
        model = LetterMLP(ModelDims(784, (256,), 3))
        with torch.no_grad():
            model.output.bias.fill_(1.0)
        save_checkpoint(make_checkpoint(model, ["A", "B", "C"], {}, {}, {}), target)
    writers = [_python(WRITER, target, seed, 40) for seed in (1, 2)]
    for writer in writers:
        assert writer.stdout.readline().strip() == "ready", writer.communicate()[1]
    for writer in writers:  # both start writing together
        writer.stdin.write("go\n")
        writer.stdin.flush()
    seen, reads = set(), 0
    while any(w.poll() is None for w in writers) or reads < 5:  # this process reads while they write
        model, _ = load_model(target)  # a LettersError here is a torn or half-written file
        seen.add(float(model.output.bias.detach()[0]))
        reads += 1
        time.sleep(0.002)  # leave the writers some CPU
    for writer in writers:
        assert writer.wait() == 0, writer.communicate()[1]
    assert seen <= {1.0, 2.0}  # every read was a whole checkpoint of one writer or the other
    assert [p.name for p in tmp_path.iterdir()] == ["shared.pt"]  # no temporary files
