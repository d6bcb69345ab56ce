"""Augmentations that resample the image: rotation, zoom, resized crop (bilinear).

All three are *inverse-mapped*: for every output pixel (i, j) an affine map gives the point
(y, x) of the input it comes from, and the value there is interpolated bilinearly between
the four surrounding pixels,

    out = (1−a)(1−b)·I[y₀, x₀] + (1−a)b·I[y₀, x₀+1] + a(1−b)·I[y₀+1, x₀] + ab·I[y₀+1, x₀+1],

with y₀ = ⌊y⌋, a = y − y₀, x₀ = ⌊x⌋, b = x − x₀; neighbours outside the image count as
``fill``. Mapping outputs back (rather than pushing inputs forward) leaves no holes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tamrin.data.transforms._image import as_batch, cast_like, pair
from tamrin.random import default_generator


def affine_sample(batch: np.ndarray, theta: np.ndarray, out_size: tuple[int, int],
                  fill: float = 0.0, padding_mode: str = "constant") -> np.ndarray:
    """Bilinear resampling of N×C×H×W ``batch``: output pixel (i, j) of image n takes the
    input value at (y, x) = theta[n] @ (i, j, 1), theta of shape N×2×3.

    Neighbours outside the image are ``fill`` (``padding_mode="constant"``) or the nearest
    border pixel (``"border"``).
    """
    if padding_mode not in ("constant", "border"):
        raise ValueError(f"affine_sample: padding_mode must be 'constant' or 'border', got "
                         f"{padding_mode!r}")
    n, c, h, w = batch.shape
    oh, ow = out_size
    ii, jj = np.meshgrid(np.arange(oh), np.arange(ow), indexing="ij")
    grid = np.stack([ii.ravel(), jj.ravel(), np.ones(oh * ow)])          # 3 × P
    y, x = np.einsum("nkl,lp->knp", theta, grid)                          # each N × P
    y0, x0 = np.floor(y), np.floor(x)
    a, b = y - y0, x - x0
    flat = batch.reshape(n, c, h * w).astype(np.float64)
    out = np.zeros((n, c, oh * ow))
    for dy, dx, weight in ((0, 0, (1 - a) * (1 - b)), (0, 1, (1 - a) * b),
                           (1, 0, a * (1 - b)), (1, 1, a * b)):
        yy, xx = (y0 + dy).astype(int), (x0 + dx).astype(int)
        if padding_mode == "border":
            yy, xx = np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        index = np.where(inside, yy * w + xx, 0)
        values = np.take_along_axis(flat, index[:, None, :].repeat(c, axis=1), axis=2)
        out += weight[:, None, :] * np.where(inside[:, None, :], values, fill)
    return cast_like(out.reshape(n, c, oh, ow), batch)


def _about_centre(matrix: np.ndarray, h: int, w: int) -> np.ndarray:
    """N×2×3 maps p ↦ M (p − c) + c for the N 2×2 matrices M, c the image centre."""
    centre = np.array([(h - 1) / 2, (w - 1) / 2])
    shift = centre - np.einsum("nkl,l->nk", matrix, centre)
    return np.concatenate([matrix, shift[:, :, None]], axis=2)


def _range(value: float | tuple[float, float], name: str) -> tuple[float, float]:
    """A symmetric ±value or an explicit (low, high)."""
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"{name}: a single number must be non-negative, got {value}")
        return -float(value), float(value)
    lo, hi = value
    return float(lo), float(hi)


class RandomRotation:
    """Rotate by an angle drawn uniformly from [−degrees, degrees] (or the given range),
    counter-clockwise about the centre, bilinear; corners outside get ``fill``."""

    def __init__(self, degrees: float | tuple[float, float], fill: float = 0.0) -> None:
        self.degrees = _range(degrees, "RandomRotation")
        self.fill = fill

    def __call__(self, image: Any) -> Any:
        batch, restore = as_batch(image)
        n, _, h, w = batch.shape
        theta = np.deg2rad(default_generator().uniform(*self.degrees, size=n))
        cos, sin = np.cos(theta), np.sin(theta)
        # the source of output pixel p is R(−θ)·p in (row, column) coordinates
        rotation = np.stack([np.stack([cos, sin], 1), np.stack([-sin, cos], 1)], 1)
        return restore(affine_sample(batch, _about_centre(rotation, h, w), (h, w), self.fill))

    def __repr__(self) -> str:
        return f"RandomRotation(degrees={self.degrees})"


class RandomScale:
    """Zoom about the centre by a factor drawn uniformly from ``scale`` (size unchanged:
    a factor > 1 zooms in, < 1 zooms out and fills the border with ``fill``)."""

    def __init__(self, scale: tuple[float, float] = (0.9, 1.1), fill: float = 0.0) -> None:
        lo, hi = scale
        if not 0 < lo <= hi:
            raise ValueError(f"RandomScale: scale must be 0 < low <= high, got {scale}")
        self.scale = (float(lo), float(hi))
        self.fill = fill

    def __call__(self, image: Any) -> Any:
        batch, restore = as_batch(image)
        n, _, h, w = batch.shape
        s = default_generator().uniform(*self.scale, size=n)
        matrix = np.eye(2)[None] / s[:, None, None]
        return restore(affine_sample(batch, _about_centre(matrix, h, w), (h, w), self.fill))

    def __repr__(self) -> str:
        return f"RandomScale(scale={self.scale})"


class RandomResizedCrop:
    """Crop a random area fraction (``scale``) and aspect ratio (``ratio``), resize to ``size``.

    torchvision's recipe: up to 10 draws of (area, log-uniform ratio) until the box fits,
    else a central crop clamped to the ratio range; the resize is bilinear, sampling
    pixel centres (align_corners=False).
    """

    def __init__(self, size: int | tuple[int, int], scale: tuple[float, float] = (0.08, 1.0),
                 ratio: tuple[float, float] = (3 / 4, 4 / 3)) -> None:
        self.size = pair(size, "RandomResizedCrop")
        for name, (lo, hi) in (("scale", scale), ("ratio", ratio)):
            if not 0 < lo <= hi:
                raise ValueError(f"RandomResizedCrop: {name} must be 0 < low <= high, got "
                                 f"{(lo, hi)}")
        self.scale = scale
        self.ratio = ratio

    def get_params(self, h: int, w: int) -> tuple[int, int, int, int]:
        """A random box (top, left, height, width) inside an h×w image."""
        rng = default_generator()
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            area = h * w * rng.uniform(*self.scale)
            aspect = math.exp(rng.uniform(*log_ratio))
            cw, ch = round(math.sqrt(area * aspect)), round(math.sqrt(area / aspect))
            if 0 < cw <= w and 0 < ch <= h:
                return int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1)), ch, cw
        ch, cw = h, w
        if w / h < min(self.ratio):
            ch = round(w / min(self.ratio))
        elif w / h > max(self.ratio):
            cw = round(h * max(self.ratio))
        return (h - ch) // 2, (w - cw) // 2, ch, cw

    def __call__(self, image: Any) -> Any:
        batch, restore = as_batch(image)
        oh, ow = self.size
        theta = np.zeros((len(batch), 2, 3))
        for k in range(len(batch)):
            top, left, ch, cw = self.get_params(*batch.shape[2:])
            theta[k] = [[ch / oh, 0, top + 0.5 * ch / oh - 0.5],
                        [0, cw / ow, left + 0.5 * cw / ow - 0.5]]
        return restore(affine_sample(batch, theta, (oh, ow), padding_mode="border"))

    def __repr__(self) -> str:
        return f"RandomResizedCrop(size={self.size}, scale={self.scale}, ratio={self.ratio})"
