"""Reductions: sum, mean, prod, var, std, norm, max, min, logsumexp, cumsum, topk, sort —
over all or some dimensions (``dim=``/``keepdim=``, or NumPy's ``axis=``/``keepdims=``).

A reduction's backward spreads the gradient of each output back over the elements it
summarised: equally for a sum, divided by the count for a mean, to the winner for max,
times the product of the others for a product.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.ops._operands import dim_aliases, normalize_dims
from tamrin.ops.blas_sum import blas_sum
from tamrin.ops.elementwise import maximum, minimum, to_dtype
from tamrin.ops.shape import gather, reshape
from tamrin.tensor import Tensor, broadcast_to_shape

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _expand_back(g: np.ndarray, shape: tuple, axes: tuple | None, keepdim: bool) -> np.ndarray:
    """Re-insert reduced axes into ``g`` so it broadcasts against the input's ``shape``."""
    if axes is None:
        return g  # 0-d: it broadcasts against any shape
    if not keepdim:
        g = np.expand_dims(g, axes)
    return g


def _blas_total(a: np.ndarray, axes: tuple | None, keepdim: bool) -> Any:
    """A full sum through BLAS (``tamrin.ops.blas_sum``), or None for a partial one."""
    return blas_sum(a) if axes is None and not keepdim else None


def _count(shape: tuple, axes: tuple | None) -> int:
    if axes is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


class Sum(ArrayFunction):
    """z = Σᵢ aᵢ over the chosen axes.   Backward: ∂z/∂aᵢ = 1 (g copied to every element)."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, axes: tuple | None, keepdim: bool) -> np.ndarray:
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        total = _blas_total(a, axes, keepdim)
        return a.sum(axis=axes, keepdims=keepdim) if total is None else total

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return broadcast_to_shape(_expand_back(g, ctx.shape, ctx.axes, ctx.keepdim), ctx.shape)


class Mean(ArrayFunction):
    """z = (1/N) Σᵢ aᵢ.   Backward: ∂z/∂aᵢ = 1/N."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, axes: tuple | None, keepdim: bool) -> np.ndarray:
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        total = _blas_total(a, axes, keepdim)
        return a.mean(axis=axes, keepdims=keepdim) if total is None else total / a.size

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


class Prod(ArrayFunction):
    """z = Πᵢ aᵢ along one axis (or over all elements).

    Backward: ∂z/∂aᵢ = Π_{j≠i} aⱼ — the product of the elements before i times the product
    of those after it (two exclusive cumulative products), so a zero element is no 0/0.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, axis: int | None, keepdim: bool) -> np.ndarray:
        ctx.save_for_backward(a)
        ctx.axis, ctx.keepdim = axis, keepdim
        return np.prod(a, axis=axis, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (a,) = ctx.saved_arrays
        axis = ctx.axis
        flat = a.reshape(-1) if axis is None else a
        axis = 0 if axis is None else axis
        ones = np.ones_like(np.take(flat, [0], axis=axis))
        before = np.cumprod(np.concatenate([ones, np.delete(flat, -1, axis)], axis), axis)
        after = np.flip(np.cumprod(np.concatenate(
            [ones, np.delete(np.flip(flat, axis), -1, axis)], axis), axis), axis)
        others = (before * after).reshape(a.shape)
        if ctx.axis is not None and not ctx.keepdim:
            g = np.expand_dims(g, ctx.axis)
        return g * others


class CumSum(ArrayFunction):
    """zᵢ = Σ_{j≤i} aⱼ along an axis.   Backward: ∂L/∂aⱼ = Σ_{i≥j} gᵢ, the cumulative sum of
    g taken from the end."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, axis: int) -> np.ndarray:
        ctx.axis = axis
        return np.cumsum(a, axis=axis, dtype=np.int64 if a.dtype.kind in "biu" else a.dtype)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        return np.flip(np.cumsum(np.flip(g, ctx.axis), axis=ctx.axis), ctx.axis)


class Norm(ArrayFunction):
    """z = ‖a‖ₚ = (Σᵢ |aᵢ|ᵖ)^(1/p) over the axes; ‖a‖_∞ = max |aᵢ|, ‖a‖₋∞ = min |aᵢ|.

    Backward: ∂z/∂aᵢ = sign(aᵢ)·|aᵢ|ᵖ⁻¹ / zᵖ⁻¹ (for p = 2: aᵢ/z; for p = 1: sign aᵢ),
    taken as 0 where z = 0 (as PyTorch); for p = ±∞, sign(aᵢ) shared equally by the
    elements whose |aᵢ| is the extreme.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, p: float, axes: tuple | None,
                keepdim: bool) -> np.ndarray:
        size = np.abs(a)
        if np.isinf(p):
            out = (np.max if p > 0 else np.min)(size, axis=axes, keepdims=True)
        else:
            out = np.sum(size ** np.asarray(p, a.dtype), axis=axes, keepdims=True) ** \
                np.asarray(1 / p, a.dtype)
        ctx.save_for_backward(a, size, out)
        ctx.p, ctx.axes, ctx.keepdim = p, axes, keepdim
        return _drop_kept_dims(out, axes, keepdim)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        a, size, out = ctx.saved_arrays
        p = ctx.p
        g = _expand_back(g, a.shape, ctx.axes, ctx.keepdim)
        if np.isinf(p):
            winners = size == out
            return g * np.sign(a) * winners / winners.sum(axis=ctx.axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                per = a / out
            else:
                per = np.sign(a) * size ** np.asarray(p - 1, a.dtype) / \
                    out ** np.asarray(p - 1, a.dtype)
        return g * np.where(out == 0, 0, per).astype(g.dtype)


# ---- the functions users call ---------------------------------------------------------

def sum(a: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,  # noqa: A001
        axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Σ over ``dim`` (int, tuple or None for all); integers and bools sum to int64."""
    dim, keepdim = dim_aliases(dim, keepdim, axis, keepdims, "sum")
    if dtype is not None:
        a = to_dtype(a, dtype)
    return Sum.apply(a, axes=normalize_dims(dim, a.ndim, "sum"), keepdim=keepdim)


def mean(a: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
         axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Arithmetic mean over ``dim``."""
    dim, keepdim = dim_aliases(dim, keepdim, axis, keepdims, "mean")
    if dtype is not None:
        a = to_dtype(a, dtype)
    if a._array.dtype.kind != "f":
        raise TypeError(f"mean: needs a floating-point tensor, got dtype {a._array.dtype}")
    return Mean.apply(a, axes=normalize_dims(dim, a.ndim, "mean"), keepdim=keepdim)


def prod(a: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None,
         axis: int | None = None, keepdims: bool | None = None) -> Tensor:
    """Π over one dimension ``dim`` (or over all elements)."""
    dim, keepdim = dim_aliases(dim, keepdim, axis, keepdims, "prod")
    if dtype is not None:
        a = to_dtype(a, dtype)
    axes = normalize_dims(dim, a.ndim, "prod")
    return Prod.apply(a, axis=axes[0] if axes else None, keepdim=keepdim and dim is not None)


def cumsum(a: Tensor, dim: int | None = None, *, dtype: Any = None,
           axis: int | None = None) -> Tensor:
    """Running sums along ``dim``: zᵢ = a₀ + … + aᵢ."""
    dim, _ = dim_aliases(dim, False, axis, None, "cumsum")
    if dim is None:
        raise TypeError("cumsum: missing the dimension dim to sum along")
    if dtype is not None:
        a = to_dtype(a, dtype)
    if a.ndim == 0:
        return CumSum.apply(reshape(a, 1), axis=0).reshape(())
    (axis_,) = normalize_dims(dim, a.ndim, "cumsum")
    return CumSum.apply(a, axis=axis_)


def norm(a: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """The p-norm (Σ|aᵢ|ᵖ)^(1/p) over ``dim`` (all elements by default): p = 'fro' or 2
    (Euclidean/Frobenius), 1, inf, −inf or any other positive number."""
    if dtype is not None:
        a = to_dtype(a, dtype)
    p = 2.0 if p in ("fro", None) else p
    if isinstance(p, str) or not (p > 0 or np.isinf(p)):
        raise ValueError(f"norm: p must be 'fro', a positive number or ±inf, got {p!r} "
                         "(the nuclear norm is not available)")
    if a._array.dtype.kind != "f":
        raise TypeError(f"norm: needs a floating-point tensor, got dtype {a._array.dtype}")
    return Norm.apply(a, p=float(p), axes=normalize_dims(dim, a.ndim, "norm"),
                      keepdim=keepdim)


def all(a: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A001
        axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """True where every element (over ``dim``) is nonzero (no gradient)."""
    dim, keepdim = dim_aliases(dim, keepdim, axis, keepdims, "all")
    axes = normalize_dims(dim, a.ndim, "all")
    return Tensor._make(np.asarray(np.all(a._array, axis=axes, keepdims=keepdim)))


def any(a: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A001
        axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """True where some element (over ``dim``) is nonzero (no gradient)."""
    dim, keepdim = dim_aliases(dim, keepdim, axis, keepdims, "any")
    axes = normalize_dims(dim, a.ndim, "any")
    return Tensor._make(np.asarray(np.any(a._array, axis=axes, keepdims=keepdim)))


def _correction(unbiased: bool | None, correction: float | None) -> float:
    if correction is not None:
        return correction
    return 1.0 if unbiased is None or unbiased else 0.0


def var(a: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
        *, correction: float | None = None, axis: Any = None,
        keepdims: bool | None = None) -> Tensor:
    """Variance over ``dim``; unbiased (÷(N − 1)) by default, as PyTorch."""
    dim, keepdim = dim_aliases(dim, keepdim, axis, keepdims, "var")
    return Var.apply(a, axes=normalize_dims(dim, a.ndim, "var"), keepdim=keepdim,
                     correction=_correction(unbiased, correction))


def std(a: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
        *, correction: float | None = None, axis: Any = None,
        keepdims: bool | None = None) -> Tensor:
    """Standard deviation √var over ``dim``; unbiased by default."""
    dim, keepdim = dim_aliases(dim, keepdim, axis, keepdims, "std")
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


def max(a: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A001
        axis: int | None = None, keepdims: bool | None = None) -> Any:
    """Largest element; with ``dim``, a (values, indices) pair as PyTorch; with another
    tensor, the element-wise maximum (``torch.max(a, b)``)."""
    if isinstance(dim, Tensor):
        return maximum(a, dim)
    dim, keepdim = dim_aliases(dim, keepdim, axis, keepdims, "max")
    return _extreme(a, dim, keepdim, smallest=False)


def min(a: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A001
        axis: int | None = None, keepdims: bool | None = None) -> Any:
    """Smallest element; with ``dim``, a (values, indices) pair as PyTorch; with another
    tensor, the element-wise minimum (``torch.min(a, b)``)."""
    if isinstance(dim, Tensor):
        return minimum(a, dim)
    dim, keepdim = dim_aliases(dim, keepdim, axis, keepdims, "min")
    return _extreme(a, dim, keepdim, smallest=True)


def amax(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """Largest value over ``dim`` (ties share the gradient)."""
    dim, keepdim = dim_aliases(dim, keepdim, axis, keepdims, "amax")
    return Amax.apply(a, axes=normalize_dims(dim, a.ndim, "amax"), keepdim=keepdim,
                      smallest=False)


def amin(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """Smallest value over ``dim`` (ties share the gradient)."""
    dim, keepdim = dim_aliases(dim, keepdim, axis, keepdims, "amin")
    return Amax.apply(a, axes=normalize_dims(dim, a.ndim, "amin"), keepdim=keepdim,
                      smallest=True)


def logsumexp(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
              keepdims: bool | None = None) -> Tensor:
    """ln Σ exp(a) over ``dim``, computed without overflow."""
    dim, keepdim = dim_aliases(dim, keepdim, axis, keepdims, "logsumexp")
    if dim is None:
        raise TypeError("logsumexp: missing the dimension(s) dim to reduce")
    return LogSumExp.apply(a, axes=normalize_dims(dim, a.ndim, "logsumexp"), keepdim=keepdim)


def argmax(a: Tensor, dim: int | None = None, keepdim: bool = False, *,
           axis: int | None = None, keepdims: bool | None = None) -> Tensor:
    """Index of the largest element (flattened when ``dim`` is None)."""
    dim, keepdim = dim_aliases(dim, keepdim, axis, keepdims, "argmax")
    idx = np.argmax(a._array, axis=dim, keepdims=keepdim)
    return Tensor._make(np.asarray(idx, dtype=np.int64))


def argmin(a: Tensor, dim: int | None = None, keepdim: bool = False, *,
           axis: int | None = None, keepdims: bool | None = None) -> Tensor:
    """Index of the smallest element (flattened when ``dim`` is None)."""
    dim, keepdim = dim_aliases(dim, keepdim, axis, keepdims, "argmin")
    idx = np.argmin(a._array, axis=dim, keepdims=keepdim)
    return Tensor._make(np.asarray(idx, dtype=np.int64))


def argsort(a: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``a`` along ``dim`` (ties keep their order)."""
    if a.ndim == 0:
        return Tensor._make(np.zeros((), np.int64))
    (axis,) = normalize_dims(dim, a.ndim, "argsort")
    keys = a._array if a.dtype.kind == "f" else a._array.astype(np.int64)
    idx = np.argsort(-keys if descending else keys, axis=axis, kind="stable")
    return Tensor._make(idx.astype(np.int64))


def sort(a: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """(values, indices) of ``a`` sorted along ``dim``; values carry the gradient."""
    if a.ndim == 0:
        return ValuesIndices(a, Tensor._make(np.zeros((), np.int64)))
    idx = argsort(a, dim, descending)
    return ValuesIndices(gather(a, dim, idx), idx)


def topk(a: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    """(values, indices) of the ``k`` largest (or smallest) elements along ``dim``."""
    (axis,) = normalize_dims(dim, a.ndim or 1, "topk")
    n = a.shape[axis] if a.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {dim} of size {n}")
    idx = argsort(a, dim, descending=largest)
    idx = Tensor._make(np.take(idx._array, np.arange(k), axis=axis) if a.ndim else idx._array)
    return ValuesIndices(gather(a, dim, idx) if a.ndim else a, idx)
