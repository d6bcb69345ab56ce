"""Shared plumbing of the image transforms: accept HW, CHW or NCHW, arrays or Tensors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tamrin.creation import as_tensor
from tamrin.tensor import Tensor


def as_batch(x: Any) -> tuple[np.ndarray, Callable[[np.ndarray], Any]]:
    """View an image (H×W or C×H×W) or a batch (N×C×H×W) as N×C×H×W.

    Returns the 4-d array and a function that puts a result back into the input's shape
    and kind (ndarray or Tensor).
    """
    is_tensor = isinstance(x, Tensor)
    arr = np.asarray(x._array if is_tensor else x)
    if arr.ndim not in (2, 3, 4):
        raise ValueError(f"image transforms take H×W, C×H×W or N×C×H×W arrays, got shape "
                         f"{arr.shape}")
    ndim = arr.ndim
    batch = arr.reshape((1,) * (4 - ndim) + arr.shape)

    def restore(out: np.ndarray) -> Any:
        out = out.reshape(out.shape[4 - ndim:])
        return as_tensor(out, dtype=out.dtype) if is_tensor else out

    return batch, restore


def cast_like(out: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Bring a float result back to ``like``'s dtype (rounded and clipped for integers)."""
    if like.dtype.kind in "iub":
        info = np.iinfo(like.dtype) if like.dtype.kind != "b" else None
        lo, hi = (0, 1) if info is None else (info.min, info.max)
        return np.clip(np.rint(out), lo, hi).astype(like.dtype)
    return out.astype(like.dtype, copy=False)


def pair(size: int | tuple[int, int], name: str) -> tuple[int, int]:
    """``size`` as (height, width): an int means a square."""
    if isinstance(size, (int, np.integer)):
        return int(size), int(size)
    if len(size) != 2:
        raise ValueError(f"{name}: size must be an int or (height, width), got {size}")
    return int(size[0]), int(size[1])
