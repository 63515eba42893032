"""Fuzzing the image loader and classify: every input gives a clean error or a prediction.

A few hundred examples run in the normal suite; set LETTERS_FUZZ_EXAMPLES=5000 for a long run.
"""

import io
import os

from conftest import draw_letter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from letters.app.cli import app
from letters.errors import LettersError
from letters.inputs.images import open_image
from letters.inputs.preprocess import preprocess

EXAMPLES = int(os.environ.get("LETTERS_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _valid(fmt: str) -> bytes:
    buffer = io.BytesIO()
    image = draw_letter("C", size=64, width=6)
    image.convert("RGB").save(buffer, format=fmt)
    return buffer.getvalue()


PNG, JPEG = _valid("PNG"), _valid("JPEG")


def _load(tmp_path, data: bytes, suffix: str):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        image, _ = preprocess(open_image(path))
    except LettersError as error:
        assert str(error) and "\n" not in str(error)
        return None
    assert image.size == (28, 28)
    return image


@FUZZ
@given(data=st.binary(min_size=0, max_size=2048))
def test_random_bytes(tmp_path, data):
    _load(tmp_path, data, ".png")


@FUZZ
@given(cut=st.integers(min_value=0, max_value=len(PNG)), source=st.sampled_from(["png", "jpg"]))
def test_truncated_files(tmp_path, cut, source):
    data = PNG if source == "png" else JPEG
    _load(tmp_path, data[: min(cut, len(data))], "." + source)


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=7)),
                      min_size=1, max_size=8),
       source=st.sampled_from(["png", "jpg"]))
def test_bit_flipped_files(tmp_path, flips, source):
    data = bytearray(PNG if source == "png" else JPEG)
    for position, bit in flips:
        data[position % len(data)] ^= 1 << bit
    _load(tmp_path, bytes(data), "." + source)


@settings(max_examples=max(10, EXAMPLES // 10), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=len(PNG)), flip=st.integers(min_value=0, max_value=len(PNG) - 1))
def test_classify_never_crashes(runner, tmp_path, cut, flip):
    data = bytearray(PNG[:cut] if cut else PNG)
    if data:
        data[flip % len(data)] ^= 0x10
    path = tmp_path / "x.png"
    path.write_bytes(bytes(data))
    result = runner.invoke(app, ["classify", str(path), "--json"])
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.output and "internal error" not in result.stderr
