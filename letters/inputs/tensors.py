"""The network's view as a tensor: a preprocessed 28x28 'L' image <-> a (28, 28) uint8 tensor, and the
one conversion of such tensors into the network's input.

Ink is high (255) in both; nothing is rescaled, so the round trip is exact. `as_input` is the only
place uint8 ink becomes the network's float input in [0, 1].
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


def as_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 ink images (N, 28, 28) or one image (28, 28) -> float (N, 784) in [0, 1], ink 1."""
    if images.dim() == 2:
        images = images[None]
    return images.flatten(1).float().div_(255.0)
