"""Elastic distortion of training batches (Simard, Steinkraus and Platt 2003), on the device.

Each image gets its own smooth random displacement field: coarse noise upsampled to the
image size, so neighbouring pixels move together, then resampled with `grid_sample`. The
generator already bends every pen path elastically with exact stroke owners; this second,
cheaper distortion makes every epoch see new glyphs without generating them.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

COARSE = 5  # control points per side of the displacement field: smooth over ~6 pixels


def elastic_batch(x: torch.Tensor, amplitude: float, generator: torch.Generator) -> torch.Tensor:
    """(N, 784) float images in [0, 1] -> the same, each displaced by up to ~`amplitude` pixels."""
    n = x.shape[0]
    side = int(x.shape[1] ** 0.5)
    noise = torch.rand(n, 2, COARSE, COARSE, device=x.device, generator=generator).mul_(2).sub_(1)
    field = F.interpolate(noise, size=(side, side), mode="bicubic", align_corners=True)  # (N, 2, 28, 28)
    return displace(x, field.permute(0, 2, 3, 1).mul_(amplitude))


def displace(x: torch.Tensor, field: torch.Tensor) -> torch.Tensor:
    """(N, side*side) images resampled at (pixel + field): `field` is (N, side, side, 2) in pixels,
    (dx, dy), so output pixel p shows input at p + field[p]; outside the image is paper (0)."""
    n, side = x.shape[0], field.shape[1]
    ramp = torch.linspace(-1 + 1 / side, 1 - 1 / side, side, device=x.device)
    grid = torch.stack(torch.meshgrid(ramp, ramp, indexing="xy"), -1)  # (side, side, 2) as (x, y), pixel centres
    out = F.grid_sample(x.view(n, 1, side, side), grid + field * (2.0 / side), mode="bilinear",
                        padding_mode="zeros", align_corners=False)
    return out.view(n, -1)
