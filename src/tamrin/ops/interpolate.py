"""Resizing 2-D maps: nearest and bilinear interpolation, adaptive average pooling.

All three are *separable linear maps*: every output row is a fixed weighted sum of input
rows, and likewise for columns. With an (OH, H) matrix A_H and an (OW, W) matrix A_W::

    O(b,c) = A_H · x(b,c) · A_Wᵀ          Backward:  dX(b,c) = A_Hᵀ · dO(b,c) · A_W

so one op (``Resample2d``) serves them all; only the matrices differ:

- nearest:   A[o, ⌊o·scale⌋] = 1                    (scale = in/out, or 1/scale_factor)
- bilinear:  A[o, i₀] = 1 − λ, A[o, i₀+1] = λ, with source coordinate s = i₀ + λ:
             s = o·(in−1)/(out−1) with align_corners, else s = max((o + ½)·scale − ½, 0)
- adaptive average: A[o, ⌊o·in/out⌋ : ⌈(o+1)·in/out⌉] = 1/(bin length)

(As matrix products, an inf or NaN in x spreads to outputs whose weight on it is 0.)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.tensor import Tensor


class Resample2d(ArrayFunction):
    """O = A_H · x · A_Wᵀ over the last two axes.   Backward: dX = A_Hᵀ · dO · A_W."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, a_h: np.ndarray, a_w: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a_h, a_w)
        return np.matmul(a_h, np.matmul(x, a_w.T))

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        a_h, a_w = ctx.saved_arrays
        return np.matmul(a_h.T, np.matmul(g, a_w)), None, None


# ---- the matrices ---------------------------------------------------------------------------

def nearest_matrix(size_in: int, size_out: int, scale: float | None,
                   dtype: np.dtype) -> np.ndarray:
    """A[o, min(⌊o·scale⌋, in−1)] = 1, computed in float32 as PyTorch does (which takes
    o itself when the sizes match, and ⌊o/2⌋ when the output is exactly twice the input)."""
    if size_out == size_in:
        src = np.arange(size_out)
    elif size_out == 2 * size_in:
        src = np.arange(size_out) // 2
    else:
        s = np.float32(1.0 / scale) if scale else np.float32(size_in) / np.float32(size_out)
        src = np.minimum(np.floor(np.arange(size_out, dtype=np.float32) * s).astype(np.int64),
                         size_in - 1)
    a = np.zeros((size_out, size_in), dtype=dtype)
    a[np.arange(size_out), src] = 1
    return a


def linear_matrix(size_in: int, size_out: int, scale: float | None, align_corners: bool,
                  dtype: np.dtype) -> np.ndarray:
    """A[o, i₀] = 1 − λ, A[o, i₁] = λ for the source coordinate s = i₀ + λ of output o
    (computed in the input's dtype, as PyTorch, which copies an axis whose size is kept)."""
    if size_out == size_in:
        return np.eye(size_in, dtype=dtype)
    o = np.arange(size_out, dtype=dtype)
    if align_corners:
        step = dtype.type((size_in - 1) / (size_out - 1)) if size_out > 1 else dtype.type(0)
        src = o * step
    else:
        step = dtype.type(1.0 / scale) if scale else dtype.type(size_in) / dtype.type(size_out)
        src = np.maximum((o + dtype.type(0.5)) * step - dtype.type(0.5), 0)
    i0 = np.minimum(np.floor(src).astype(np.int64), size_in - 1)
    lam = np.clip(src - i0, 0, 1).astype(dtype)
    i1 = np.minimum(i0 + 1, size_in - 1)
    a = np.zeros((size_out, size_in), dtype=dtype)
    rows = np.arange(size_out)
    np.add.at(a, (rows, i0), 1 - lam)
    np.add.at(a, (rows, i1), lam)
    return a


def adaptive_average_matrix(size_in: int, size_out: int, dtype: np.dtype) -> np.ndarray:
    """A[o, start:end] = 1/(end − start), start = ⌊o·in/out⌋, end = ⌈(o+1)·in/out⌉."""
    a = np.zeros((size_out, size_in), dtype=dtype)
    for o in range(size_out):  # one row per output size, never per pixel of the batch
        start, end = (o * size_in) // size_out, -(-(o + 1) * size_in // size_out)
        a[o, start:end] = 1 / (end - start)
    return a


# ---- the function users call ----------------------------------------------------------------

def _output_size(op: str, hw: tuple[int, int], size: Any,
                 scale_factor: Any) -> tuple[tuple[int, int], tuple[Any, Any]]:
    """The output (OH, OW) and the scale factors PyTorch uses for the index arithmetic."""
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    if size is not None:
        out = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
        if len(out) != 2 or min(out) < 1:
            raise ValueError(f"{op}: size must be a positive int or pair, got {size!r}")
        return (int(out[0]), int(out[1])), (None, None)
    scales = (scale_factor, scale_factor) if isinstance(scale_factor, (int, float)) \
        else tuple(scale_factor)
    if len(scales) != 2 or min(scales) <= 0:
        raise ValueError(f"{op}: scale_factor must be a positive number or pair, "
                         f"got {scale_factor!r}")
    out = tuple(math.floor(n * float(s)) for n, s in zip(hw, scales))
    if min(out) < 1:
        raise ValueError(f"{op}: input {hw} scaled by {scale_factor} gives an empty output {out}")
    return out, tuple(float(s) for s in scales)


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None) -> Tensor:
    """Resize (N, C, H, W) maps to ``size`` or by ``scale_factor`` ('nearest' or
    'bilinear'; ``align_corners`` as PyTorch, for 'bilinear' only)."""
    op = "interpolate"
    if input.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W), got shape {input.shape}")
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"{op}: mode must be 'nearest' or 'bilinear', got {mode!r}")
    if mode == "nearest" and align_corners is not None:
        raise ValueError(f"{op}: align_corners can only be set with mode='bilinear'")
    hw = input.shape[2:]
    out, scales = _output_size(op, hw, size, scale_factor)
    if recompute_scale_factor:
        scales = (None, None)
    dtype = input.dtype
    if mode == "nearest":
        mats = [nearest_matrix(n, m, s, dtype) for n, m, s in zip(hw, out, scales)]
    else:
        mats = [linear_matrix(n, m, s, bool(align_corners), dtype)
                for n, m, s in zip(hw, out, scales)]
    return Resample2d.apply(input, *mats)
