"""The network's view as a tensor: a preprocessed 28x28 'L' image <-> a (28, 28) uint8 tensor.

Ink is high (255) in both; nothing is rescaled, so the round trip is exact.
"""

from __future__ import annotations

import torch
from PIL import Image

from .preprocess import IMAGE_SIZE


def image_tensor(image: Image.Image) -> torch.Tensor:
    """A preprocessed 28x28 'L' image as a (28, 28) uint8 tensor."""
    return torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).view(IMAGE_SIZE, IMAGE_SIZE)


def tensor_image(image: torch.Tensor) -> Image.Image:
    """A (28, 28) uint8 tensor as a 28x28 'L' image: the inverse of image_tensor."""
    return Image.frombytes("L", (IMAGE_SIZE, IMAGE_SIZE), bytes(image.flatten().tolist()))
