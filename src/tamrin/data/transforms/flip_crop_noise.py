"""Augmentations that move or perturb pixels without resampling: flips, crops, noise.

Flips and crops take an H×W, C×H×W or N×C×H×W array (or Tensor); on a batch every image
draws its own random parameters. Noise takes float data of any shape. All draws come from
tamrin's generator (``tamrin.manual_seed``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tamrin.creation import as_tensor
from tamrin.data.transforms._image import as_batch, pair
from tamrin.random import default_generator
from tamrin.tensor import Tensor


class _RandomFlip:
    """Mirror each image along ``axis`` with probability ``p``."""

    axis = -1

    def __init__(self, p: float = 0.5) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: p is a probability in [0, 1], got {p}")
        self.p = p

    def __call__(self, image: Any) -> Any:
        batch, restore = as_batch(image)
        flip = default_generator().random(len(batch)) < self.p
        out = batch.copy()
        out[flip] = np.flip(batch[flip], axis=self.axis)
        return restore(out)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomHorizontalFlip(_RandomFlip):
    """Left ↔ right mirror with probability ``p``."""

    axis = -1


class RandomVerticalFlip(_RandomFlip):
    """Top ↔ bottom mirror with probability ``p``."""

    axis = -2


def _padding(padding: int | tuple[int, ...] | None) -> tuple[int, int, int, int]:
    """torchvision's padding forms → (left, top, right, bottom)."""
    if padding is None:
        return 0, 0, 0, 0
    if isinstance(padding, (int, np.integer)):
        return (int(padding),) * 4
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    if len(padding) == 4:
        return tuple(int(p) for p in padding)
    raise ValueError(f"RandomCrop: padding must be an int, (lr, tb) or (l, t, r, b), got "
                     f"{padding}")


class RandomCrop:
    """Pad by ``padding`` (then, if asked, up to ``size``) and cut a random size crop.

    ``padding_mode`` is one of numpy's/torchvision's 'constant' (with ``fill``), 'edge',
    'reflect', 'symmetric'.
    """

    def __init__(self, size: int | tuple[int, int], padding: Any = None,
                 pad_if_needed: bool = False, fill: float = 0,
                 padding_mode: str = "constant") -> None:
        self.size = pair(size, "RandomCrop")
        self.padding = _padding(padding)
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    def _pad(self, batch: np.ndarray) -> np.ndarray:
        left, top, right, bottom = self.padding
        h, w = self.size
        if self.pad_if_needed:
            extra_h = max(0, h - (batch.shape[2] + top + bottom))
            extra_w = max(0, w - (batch.shape[3] + left + right))
            top, bottom = top + extra_h, bottom + extra_h
            left, right = left + extra_w, right + extra_w
        widths = ((0, 0), (0, 0), (top, bottom), (left, right))
        if not any(widths[2] + widths[3]):
            return batch
        kwargs = {"constant_values": self.fill} if self.padding_mode == "constant" else {}
        return np.pad(batch, widths, mode=self.padding_mode, **kwargs)

    def __call__(self, image: Any) -> Any:
        batch, restore = as_batch(image)
        padded = self._pad(batch)
        h, w = self.size
        H, W = padded.shape[2:]
        if h > H or w > W:
            raise ValueError(f"RandomCrop: crop size {self.size} is larger than the (padded) "
                             f"image {H}×{W}; use padding or pad_if_needed=True")
        rng = default_generator()
        top = rng.integers(0, H - h + 1, size=len(batch))
        left = rng.integers(0, W - w + 1, size=len(batch))
        windows = sliding_window_view(padded, (h, w), axis=(2, 3))
        return restore(windows[np.arange(len(batch)), :, top, left].copy())

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class GaussianNoise:
    """x + ε with ε ~ N(mean, sigma²) per element; ``clip`` keeps the result in [0, 1].

    (torchvision's ``GaussianNoise``; float data of any shape, so it also serves as
    input-noise injection on feature vectors.)
    """

    def __init__(self, mean: float = 0.0, sigma: float = 0.1, clip: bool = True) -> None:
        if sigma < 0:
            raise ValueError(f"GaussianNoise: sigma must be non-negative, got {sigma}")
        self.mean = mean
        self.sigma = sigma
        self.clip = clip

    def __call__(self, x: Any) -> Any:
        is_tensor = isinstance(x, Tensor)
        arr = np.asarray(x._array if is_tensor else x)
        if arr.dtype.kind != "f":
            raise TypeError(f"GaussianNoise: expects float data, got dtype {arr.dtype}; "
                            "convert it first (e.g. ToTensor)")
        noise = default_generator().normal(self.mean, self.sigma, size=arr.shape)
        out = (arr + noise).astype(arr.dtype)
        if self.clip:
            out = np.clip(out, 0.0, 1.0)
        return as_tensor(out, dtype=out.dtype) if is_tensor else out

    def __repr__(self) -> str:
        return f"GaussianNoise(mean={self.mean}, sigma={self.sigma}, clip={self.clip})"
