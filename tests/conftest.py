"""Shared fixtures: a tiny dataset and model made once per session, on the CPU."""

import os

os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # tests run on the CPU only
# ... and on one torch thread, in this process and in the letters processes tests start (the variable is
# inherited; torch reads it when imported): the tests' models are tiny, so a second thread only adds
# waiting, and several tests run letters next to the test process (writers and a reader, a generate and
# its workers), where two threads each would oversubscribe two cores (the analysis runs on one thread for
# the same reason)
os.environ.setdefault("OMP_NUM_THREADS", "1")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from letters.config import DatasetConfig, TrainConfig  # noqa: E402
from letters.drawing.dataset import load_dataset, write_dataset  # noqa: E402

torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))  # in case a plugin imported torch before this file

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_MODEL = ROOT / "letters" / "network" / "assets" / "letters-mlp.pt"


@pytest.fixture(scope="session")
def runner():
    return CliRunner()


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("data") / "glyphs"
    write_dataset(out, DatasetConfig(count=600, seed=3, png=True))
    return out


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory) -> Path:
    """90 glyphs (and their PNGs): for tests of what `train` does with its files and options, where the
    amount of data is not the point and every run also fits the none-of-the-letters detector."""
    out = tmp_path_factory.mktemp("small") / "glyphs"
    write_dataset(out, DatasetConfig(count=90, seed=5, png=True))
    return out


@pytest.fixture(scope="session")
def tiny_model(tiny_dataset, tmp_path_factory) -> Path:
    from letters.network.fit import train_and_save

    out = tmp_path_factory.mktemp("model") / "tiny.pt"
    train_and_save(tiny_dataset, out, TrainConfig(hidden=(16,), epochs=3, device="cpu"))
    return out


@pytest.fixture(scope="session")
def classifier(tmp_path_factory) -> Path:
    """A small model good enough to read plainly drawn letters (97% on its validation split),
    so classify tests do not depend on the shipped file."""
    from letters.network.fit import train_and_save

    folder = tmp_path_factory.mktemp("classifier")
    write_dataset(folder / "glyphs", DatasetConfig(count=3000, seed=7))
    train_and_save(folder / "glyphs", folder / "small.pt", TrainConfig(hidden=(32,), epochs=4, device="cpu"))
    return folder / "small.pt"


def draw_letter(letter: str, size: int = 200, width: int = 14, ink=0, paper=255, mode="L") -> Image.Image:
    """A plainly drawn letter, independent of the generator's templates."""
    paths = {
        "A": [[(0.15, 0.9), (0.5, 0.1), (0.85, 0.9)], [(0.3, 0.6), (0.7, 0.6)]],
        "B": [[(0.25, 0.1), (0.25, 0.9)], [(0.25, 0.1), (0.6, 0.1), (0.7, 0.2), (0.7, 0.38), (0.6, 0.48), (0.25, 0.48)],
              [(0.25, 0.48), (0.65, 0.48), (0.76, 0.6), (0.76, 0.8), (0.65, 0.9), (0.25, 0.9)]],
        "C": [[(0.78, 0.22), (0.65, 0.1), (0.45, 0.09), (0.28, 0.2), (0.2, 0.4), (0.2, 0.6), (0.28, 0.8),
               (0.45, 0.91), (0.65, 0.9), (0.78, 0.78)]],
    }[letter]
    image = Image.new("L", (size, size), paper)
    draw = ImageDraw.Draw(image)
    for path in paths:
        draw.line([(x * size, y * size) for x, y in path], fill=ink, width=width, joint="curve")
    return image if mode == "L" else image.convert(mode)


@pytest.fixture
def letter_files(tmp_path) -> dict:
    """One PNG per letter, black on white."""
    files = {}
    for letter in "ABC":
        path = tmp_path / f"{letter}.png"
        draw_letter(letter).save(path)
        files[letter] = path
    return files


def load(path):
    return load_dataset(path)


def tensor_bytes(t: torch.Tensor) -> bytes:
    return bytes(t.flatten().tolist())
