"""Drawing a whole dataset's glyphs: seeded chunks rendered in worker processes, and the
stroke that owns each pixel.

`generate_tensors` returns plain tensors (images, labels, owners, seeds, forms, the
validation flag); `dataset.write_dataset` saves them. The same seed gives the same
tensors for any number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

import torch

from ..alphabet import CLASSES, ROLES, letter_roles
from ..config import DatasetConfig, GeneratorConfig
from ..errors import LettersError
from ..inputs.preprocess import IMAGE_SIZE
from .hand import sample_seed
from .nonletters import render_non_letters
from .render import render_batch

CHUNK = 500  # glyphs per work unit: small enough for a smooth progress bar, big enough to amortise IPC


def _owners(images: torch.Tensor, coverage: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Per pixel, the role that put most ink there (1-based into ROLES), 0 on paper."""
    offsets = torch.tensor([ROLES.index(letter_roles(c)[0]) + 1 for c in CLASSES])
    best, index = coverage[:, 0], torch.zeros_like(coverage[:, 0])
    for k in range(1, coverage.shape[1]):  # argmax over roles; torch's uint8 argmax on dim 1 is slow
        better = coverage[:, k] > best
        best = torch.where(better, coverage[:, k], best)
        index = torch.where(better, torch.full_like(index, k), index)
    owner = index + offsets[labels].to(torch.uint8)[:, None, None]
    return torch.where(images > 0, owner, torch.zeros_like(owner))


def _worker_init(parent: int) -> None:
    """In each worker: die with the parent, even when it is killed with SIGKILL (Linux
    PR_SET_PDEATHSIG), and leave Ctrl-C to the parent, which stops the pool and says so."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "linux":
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def local_workers() -> int:
    """Processes for generating when the user named none: one a core, at most two (the 2-core target;
    more only add start-up for the few thousand glyphs this is used for). Output never depends on it."""
    return max(1, min(2, os.cpu_count() or 1))


def map_chunks(render, chunks: list, workers: int):
    """`render(chunk)` for every chunk, in order, in `workers` processes (1: in this one) that
    die with this one."""
    if workers <= 1 or len(chunks) <= 1:  # one chunk: a pool would only add its start-up
        yield from map(render, chunks)
        return
    # fork where it is safe (Linux): workers start at once; elsewhere spawn, which imports only glyphs
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),))
    try:
        yield from pool.map(render, chunks)
    except BaseException:  # Ctrl-C or an error: drop the queued chunks, let the running ones end
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()


def generate_non_letters(count: int, seed: int, generator: GeneratorConfig, workers: int = 1) -> torch.Tensor:
    """(count, 28, 28) uint8 near misses (letters.glyphs.NON_LETTER_FORMS in turn); the same for any `workers`."""
    chunks = [(s, min(s + CHUNK, count), seed, generator) for s in range(0, count, CHUNK)]
    data = b"".join(map_chunks(render_non_letters, chunks, workers))
    return torch.frombuffer(bytearray(data), dtype=torch.uint8).view(count, IMAGE_SIZE, IMAGE_SIZE)


def generate_tensors(config: DatasetConfig, progress=None) -> dict:
    """Render `config.count` glyphs, balanced over the classes, in any number of workers."""
    if len({len(letter_roles(c)) for c in CLASSES}) != 1:
        raise LettersError("every letter template must have the same number of roles")
    chunks = [(s, min(s + CHUNK, config.count), config.seed, config.generator)
              for s in range(0, config.count, CHUNK)]
    parts = []
    for part in map_chunks(render_batch, chunks, config.workers):
        parts.append(part)
        progress and progress(len(part[2]))
    n, side, roles = config.count, IMAGE_SIZE, len(letter_roles(CLASSES[0]))
    images = torch.frombuffer(bytearray(b"".join(p[0] for p in parts)), dtype=torch.uint8).view(n, side, side)
    coverage = torch.frombuffer(bytearray(b"".join(p[1] for p in parts)), dtype=torch.uint8).view(
        n, side, side, roles).permute(0, 3, 1, 2)  # (N, roles, 28, 28)
    forms = torch.frombuffer(bytearray(b"".join(p[2] for p in parts)), dtype=torch.uint8).clone()
    labels = torch.arange(n) % len(CLASSES)
    n_val = round(n * config.val_fraction)
    is_val = torch.zeros(n, dtype=torch.bool)
    is_val[n - n_val:] = True  # the tail; classes interleave, so both splits stay balanced
    seeds = torch.tensor([sample_seed(config.seed, i) for i in range(n)], dtype=torch.int64)
    return {"images": images, "labels": labels, "owners": _owners(images, coverage, labels),
            "seeds": seeds, "forms": forms, "is_val": is_val}
