"""Reductions: sum, mean, var, std, max, min, logsumexp — over all or some dimensions.

A reduction's backward spreads the gradient of each output back over the elements it
summarised: equally for a sum, divided by the count for a mean, to the winner for max.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.ops._operands import normalize_dims
from tamrin.ops.shape import reshape
from tamrin.tensor import Tensor, broadcast_to_shape

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _expand_back(g: np.ndarray, shape: tuple, axes: tuple | None, keepdim: bool) -> np.ndarray:
    """Re-insert reduced axes into ``g`` so it broadcasts against the input's ``shape``."""
    if axes is None:
        return g  # 0-d: it broadcasts against any shape
    if not keepdim:
        g = np.expand_dims(g, axes)
    return g


def _count(shape: tuple, axes: tuple | None) -> int:
    if axes is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


class Sum(ArrayFunction):
    """z = Σᵢ aᵢ over the chosen axes.   Backward: ∂z/∂aᵢ = 1 (g copied to every element)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, axes: tuple | None, keepdim: bool) -> np.ndarray:
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return a.sum(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return broadcast_to_shape(_expand_back(g, ctx.shape, ctx.axes, ctx.keepdim), ctx.shape)


class Mean(ArrayFunction):
    """z = (1/N) Σᵢ aᵢ.   Backward: ∂z/∂aᵢ = 1/N."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, axes: tuple | None, keepdim: bool) -> np.ndarray:
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return a.mean(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        g = _expand_back(g, ctx.shape, ctx.axes, ctx.keepdim) / _count(ctx.shape, ctx.axes)
        return broadcast_to_shape(g, ctx.shape)


def _centred_variance(ctx: Context, a: np.ndarray, axes: tuple | None,
                      correction: float) -> tuple[np.ndarray, np.ndarray]:
    """(a − ā, Σ(a − ā)²/(N − c) with kept dims); keeps N − c on ``ctx.denom``."""
    centred = a - np.mean(a, axis=axes, keepdims=True)
    # N − c ≤ 0 (a single element, unbiased) gives inf/NaN, as PyTorch
    ctx.denom = np.float64(_count(a.shape, axes) - correction).clip(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.sum(centred * centred, axis=axes, keepdims=True) / ctx.denom
    return centred, var.astype(a.dtype, copy=False)


def _drop_kept_dims(x: np.ndarray, axes: tuple | None, keepdim: bool) -> np.ndarray:
    if keepdim:
        return x
    return x.reshape(()) if axes is None else x.squeeze(axes)


class Var(ArrayFunction):
    """z = Σᵢ (aᵢ − ā)² / (N − c)  (c = 1: unbiased, Bessel's correction).

    Backward: ∂z/∂aᵢ = 2(aᵢ − ā)/(N − c)  (the Σ(aᵢ − ā) = 0 term of ∂ā/∂aᵢ vanishes).
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, axes: tuple | None, keepdim: bool,
                correction: float) -> np.ndarray:
        centred, var = _centred_variance(ctx, a, axes, correction)
        ctx.save_for_backward(centred)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return _drop_kept_dims(var, axes, keepdim)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (centred,) = ctx.saved_arrays
        g = _expand_back(g, ctx.shape, ctx.axes, ctx.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * centred * (2.0 / ctx.denom).astype(g.dtype)


class Std(ArrayFunction):
    """σ = √var.   Backward: ∂σ/∂aᵢ = (aᵢ − ā) / ((N − c)·σ)  (0 where σ = 0, as PyTorch:
    the chain rule through √ would give 0/0 there)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, axes: tuple | None, keepdim: bool,
                correction: float) -> np.ndarray:
        centred, var = _centred_variance(ctx, a, axes, correction)
        std = np.sqrt(var)
        ctx.save_for_backward(centred, std)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return _drop_kept_dims(std, axes, keepdim)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        centred, std = ctx.saved_arrays
        g = _expand_back(g, ctx.shape, ctx.axes, ctx.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_unit = np.where(std == 0, 0.0, g / (std * ctx.denom.astype(g.dtype)))
        return (per_unit * centred).astype(g.dtype, copy=False)


class Amax(ArrayFunction):
    """z = max over the axes.   Backward: g shared equally by the elements that tie for max."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, axes: tuple | None, keepdim: bool,
                smallest: bool) -> np.ndarray:
        reduce = np.min if smallest else np.max
        out = reduce(a, axis=axes, keepdims=True)
        ctx.save_for_backward(a == out)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return _drop_kept_dims(out, axes, keepdim)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (winners,) = ctx.saved_arrays
        g = _expand_back(g, ctx.shape, ctx.axes, ctx.keepdim)
        return g * winners / winners.sum(axis=ctx.axes, keepdims=True)


class MaxAlongDim(ArrayFunction):
    """z = a[…, argmax, …] along one axis.   Backward: g goes to the argmax element only."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, axis: int, keepdim: bool,
                indices: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(indices)
        ctx.shape, ctx.axis, ctx.keepdim = a.shape, axis, keepdim
        out = np.take_along_axis(a, indices, axis=axis)
        return out if keepdim else out.squeeze(axis)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (indices,) = ctx.saved_arrays
        if not ctx.keepdim:
            g = np.expand_dims(g, ctx.axis)
        grad = np.zeros(ctx.shape, dtype=g.dtype)
        np.put_along_axis(grad, indices, g, axis=ctx.axis)
        return grad


class LogSumExp(ArrayFunction):
    """z = ln Σᵢ e^(aᵢ) = m + ln Σᵢ e^(aᵢ − m), m = max a (never overflows).

    Backward: ∂z/∂aᵢ = e^(aᵢ − z) = softmax(a)ᵢ.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, axes: tuple, keepdim: bool) -> np.ndarray:
        m = np.max(a, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        out = m + np.log(np.sum(np.exp(a - m), axis=axes, keepdims=True))
        ctx.save_for_backward(a, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out if keepdim else out.squeeze(axes)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        a, out = ctx.saved_arrays
        if not ctx.keepdim:
            g = np.expand_dims(g, ctx.axes)
        return g * np.exp(a - out)


# ---- the functions users call ---------------------------------------------------------

def sum(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Σ over ``dim`` (int, tuple or None for all)."""
    return Sum.apply(a, axes=normalize_dims(dim, a.ndim, "sum"), keepdim=keepdim)


def mean(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Arithmetic mean over ``dim``."""
    if a._array.dtype.kind != "f":
        raise TypeError(f"mean: needs a floating-point tensor, got dtype {a._array.dtype}")
    return Mean.apply(a, axes=normalize_dims(dim, a.ndim, "mean"), keepdim=keepdim)


def _correction(unbiased: bool | None, correction: float | None) -> float:
    if correction is not None:
        return correction
    return 1.0 if unbiased is None or unbiased else 0.0


def var(a: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
        *, correction: float | None = None) -> Tensor:
    """Variance over ``dim``; unbiased (÷(N − 1)) by default, as PyTorch."""
    return Var.apply(a, axes=normalize_dims(dim, a.ndim, "var"), keepdim=keepdim,
                     correction=_correction(unbiased, correction))


def std(a: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
        *, correction: float | None = None) -> Tensor:
    """Standard deviation √var over ``dim``; unbiased by default."""
    return Std.apply(a, axes=normalize_dims(dim, a.ndim, "std"), keepdim=keepdim,
                     correction=_correction(unbiased, correction))


def _extreme(a: Tensor, dim: int | None, keepdim: bool, smallest: bool) -> Any:
    name = "min" if smallest else "max"
    if a._array.size == 0:
        raise RuntimeError(f"{name}: cannot reduce an empty tensor of shape {a.shape}")
    if dim is None:
        return Amax.apply(a, axes=None, keepdim=False, smallest=smallest)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}: dim must be an int (one dimension: {name} returns values "
                        f"and indices), got {dim!r}; a{name} reduces over several dims")
    if a.ndim == 0:  # a 0-d tensor is its own extreme, at index 0 (as a 1-element vector)
        normalize_dims(dim, 0, name)
        return _extreme(reshape(a, (1,)), 0, False, smallest)
    (axis,) = normalize_dims(dim, a.ndim, name)
    pick = np.argmin if smallest else np.argmax
    idx = np.expand_dims(pick(a._array, axis=axis), axis)
    values = MaxAlongDim.apply(a, axis=axis, keepdim=keepdim, indices=idx)
    return ValuesIndices(values, Tensor._make(idx if keepdim else idx.squeeze(axis)))


def max(a: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A001
    """Largest element; with ``dim``, a (values, indices) pair as PyTorch."""
    return _extreme(a, dim, keepdim, smallest=False)


def min(a: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A001
    """Smallest element; with ``dim``, a (values, indices) pair as PyTorch."""
    return _extreme(a, dim, keepdim, smallest=True)


def amax(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Largest value over ``dim`` (ties share the gradient)."""
    return Amax.apply(a, axes=normalize_dims(dim, a.ndim, "amax"), keepdim=keepdim,
                      smallest=False)


def amin(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Smallest value over ``dim`` (ties share the gradient)."""
    return Amax.apply(a, axes=normalize_dims(dim, a.ndim, "amin"), keepdim=keepdim,
                      smallest=True)


def logsumexp(a: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """ln Σ exp(a) over ``dim``, computed without overflow."""
    return LogSumExp.apply(a, axes=normalize_dims(dim, a.ndim, "logsumexp"), keepdim=keepdim)


def argmax(a: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (flattened when ``dim`` is None)."""
    idx = np.argmax(a._array, axis=dim, keepdims=keepdim)
    return Tensor._make(np.asarray(idx, dtype=np.int64))


def argmin(a: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (flattened when ``dim`` is None)."""
    idx = np.argmin(a._array, axis=dim, keepdims=keepdim)
    return Tensor._make(np.asarray(idx, dtype=np.int64))
