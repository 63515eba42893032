"""The one preprocessing function, checked against hand-made images."""

import io

import pytest
import torch
from conftest import draw_letter
from PIL import Image, ImageDraw

from letters.errors import LettersError
from letters.inputs.images import open_image
from letters.inputs.preprocess import FIT_SIZE, IMAGE_SIZE, preprocess


def _array(image: Image.Image) -> torch.Tensor:
    return torch.tensor(list(image.tobytes()), dtype=torch.float32).view(IMAGE_SIZE, IMAGE_SIZE)


def test_a_bar_is_scaled_to_20_pixels_and_centred_by_mass():
    image = Image.new("L", (300, 200), 255)
    ImageDraw.Draw(image).rectangle((40, 90, 239, 109), fill=0)  # 200 x 20 px bar, off centre
    out, _ = preprocess(image)
    a = _array(out)
    cols = (a > 127).any(0).nonzero().flatten()
    assert int(cols.max() - cols.min() + 1) == FIT_SIZE
    ys, xs = torch.meshgrid(torch.arange(28) + 0.5, torch.arange(28) + 0.5, indexing="ij")
    assert abs(float((a * xs).sum() / a.sum()) - 14) < 0.3
    assert abs(float((a * ys).sum() / a.sum()) - 14) < 0.3
    assert a.max() == 255 and a[0].max() == 0


def test_polarity_is_made_ink_high():
    dark_on_light, _ = preprocess(draw_letter("B", ink=0, paper=255))
    light_on_dark, _ = preprocess(draw_letter("B", ink=255, paper=0))
    assert (_array(dark_on_light) - _array(light_on_dark)).abs().max() <= 2


def test_straight_alpha_is_composited_not_a_dark_square():
    coverage = draw_letter("C", ink=255, paper=0)
    rgba = Image.new("RGBA", coverage.size, (10, 10, 200, 0))  # ink colour everywhere, shape only in alpha
    rgba.putalpha(coverage)
    assert rgba.convert("RGB").getextrema()[2][0] == 200  # the naive conversion sees a solid colour
    expected, _ = preprocess(draw_letter("C"))
    got, _ = preprocess(rgba)
    assert (_array(expected) - _array(got)).abs().mean() < 3


def test_light_ink_on_transparent_falls_back_to_alpha():
    coverage = draw_letter("A", ink=255, paper=0)
    rgba = Image.new("RGBA", coverage.size, (255, 255, 255, 0))
    rgba.putalpha(coverage)
    got, _ = preprocess(rgba)
    expected, _ = preprocess(draw_letter("A"))
    assert (_array(expected) - _array(got)).abs().mean() < 3


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "CMYK", "I;16", "I", "F", "LA"])
def test_every_mode_gives_the_same_input(mode):
    base = draw_letter("A")
    if mode == "I;16":
        image = Image.new("I;16", base.size)
        image.putdata([v * 257 for v in base.tobytes()])
    elif mode == "1":
        image = base.point(lambda v: 255 if v > 127 else 0).convert("1")
    else:
        image = base.convert(mode)
    expected, _ = preprocess(base)
    got, _ = preprocess(image)
    assert (_array(expected) - _array(got)).abs().mean() < 4, mode


def test_exif_orientation_is_applied(tmp_path):
    upright = draw_letter("A", size=120)
    sideways = upright.transpose(Image.Transpose.ROTATE_270)  # stored turned clockwise; EXIF says turn back
    exif = Image.Exif()
    exif[0x0112] = 8  # orientation: rotate 90 CW to display
    path = tmp_path / "phone.jpg"
    sideways.convert("RGB").save(path, exif=exif.tobytes(), quality=95)
    got, _ = preprocess(open_image(path))
    expected, _ = preprocess(upright)
    assert (_array(expected) - _array(got)).abs().mean() < 8


def test_too_small_and_blank_images_are_refused():
    with pytest.raises(LettersError, match="too small"):
        preprocess(Image.new("L", (1, 1), 0))
    with pytest.raises(LettersError, match="no ink"):
        preprocess(Image.new("L", (64, 64), 255))


def test_jpeg_noise_does_not_move_the_letter():
    base = draw_letter("B")
    buffer = io.BytesIO()
    base.save(buffer, format="JPEG", quality=40)
    noisy = Image.open(io.BytesIO(buffer.getvalue()))
    expected, _ = preprocess(base)
    got, _ = preprocess(noisy)
    assert (_array(expected) - _array(got)).abs().mean() < 6


def test_the_fused_path_equals_fit_then_apply():
    from letters.inputs.preprocess import apply_transform, fit_transform, to_gray

    for letter in "ABC":
        gray = to_gray(draw_letter(letter, size=150, width=11))
        direct, _ = preprocess(gray)
        assert direct.tobytes() == apply_transform(gray, fit_transform(gray)).tobytes()
