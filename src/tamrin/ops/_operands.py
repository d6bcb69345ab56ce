"""Turning Python scalars and arrays into operands of a tensor op, and naming bad shapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tamrin.ops._aligned import ALIGN_FROM_BYTES, elementwise
from tamrin.tensor import DEFAULT_FLOAT, Tensor, as_array


def constant_like(x: Any, like: Any) -> np.ndarray:
    """A constant operand for an op whose other operand is ``like``.

    A Python scalar takes the tensor's dtype (so ``x * 2.0`` stays float32), except that a
    float scalar with an integer tensor gives the default float dtype (as PyTorch).
    """
    if isinstance(x, (bool, int, float)) and isinstance(like, Tensor):
        dtype = like._array.dtype
        if isinstance(x, float) and dtype.kind != "f":
            dtype = DEFAULT_FLOAT
        elif isinstance(x, int) and not isinstance(x, bool) and dtype.kind == "b":
            dtype = np.dtype(np.int64)
        return np.asarray(x, dtype=dtype)
    return as_array(x)


def binary_operands(a: Any, b: Any) -> tuple[Any, Any]:
    """The two operands of a binary op: Tensors, or ndarray constants for the non-Tensor side.

    An integer (or bool) operand beside a floating one takes the floating dtype, as in
    PyTorch (NumPy alone would widen int64 ⊕ float32 to float64).
    """
    if isinstance(a, Tensor):
        if isinstance(b, Tensor) and a._array.dtype.kind == b._array.dtype.kind:
            return a, b  # the common case, first
    else:
        a = constant_like(a, b)
    if not isinstance(b, Tensor):
        b = constant_like(b, a)
    kind_a, kind_b = a.dtype.kind, b.dtype.kind
    if kind_a != kind_b:
        if kind_a == "f":
            b = _cast_constant(b, a.dtype)
        elif kind_b == "f":
            a = _cast_constant(a, b.dtype)
    return a, b


def _cast_constant(x: Any, dtype: np.dtype) -> Any:
    """An integer operand as ``dtype`` (integer tensors never require grad)."""
    return Tensor._make(x._array.astype(dtype)) if isinstance(x, Tensor) else x.astype(dtype)


def broadcasting(name: str, ufunc: Callable, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``ufunc(a, b)``, with an error that names the op and both shapes."""
    try:
        if a.nbytes >= ALIGN_FROM_BYTES:  # small ops pay one comparison
            return elementwise(ufunc, a, b)
        return ufunc(a, b)
    except ValueError:
        raise ValueError(
            f"{name}: shapes {tuple(np.shape(a))} and {tuple(np.shape(b))} cannot be "
            "broadcast together (trailing dimensions must be equal or 1)"
        ) from None


def normalize_dims(dim: Any, ndim: int, op: str) -> tuple[int, ...] | None:
    """``dim`` (None, an int or a tuple, negatives allowed) as a tuple of axes, or None."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    out = []
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(
                f"{op}: dimension {d} is out of range for a tensor with {ndim} dimensions "
                f"(expected in [{-max(ndim, 1)}, {max(ndim, 1) - 1}])"
            )
        out.append(d % ndim if ndim else 0)
    return tuple(out) if ndim else ()


def dim_aliases(dim: Any, keepdim: bool, axis: Any, keepdims: bool | None,
                op: str) -> tuple[Any, bool]:
    """``dim``/``keepdim`` from PyTorch's NumPy-style aliases ``axis=`` and ``keepdims=``."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: received both dim and its alias axis; give one")
        dim = axis
    return dim, keepdim if keepdims is None else bool(keepdims)
