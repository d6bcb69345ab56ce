"""Comparisons, logical and bitwise operators, and other non-differentiable element-wise
tests (results carry no graph)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tamrin.ops._operands import binary_operands, broadcasting
from tamrin.tensor import Tensor


def _compare(name: str, ufunc: Callable) -> Callable[[Any, Any], Tensor]:
    def compare(a: Any, b: Any) -> Tensor:
        a, b = binary_operands(a, b)
        a = a._array if isinstance(a, Tensor) else a
        b = b._array if isinstance(b, Tensor) else b
        return Tensor._make(broadcasting(name, ufunc, a, b))

    compare.__name__ = name
    compare.__doc__ = f"Element-wise ``{name}`` → bool tensor (no gradient)."
    return compare


eq = _compare("eq", np.equal)
logical_and = _compare("logical_and", np.logical_and)
logical_or = _compare("logical_or", np.logical_or)
logical_xor = _compare("logical_xor", np.logical_xor)
bitwise_and = _compare("bitwise_and", np.bitwise_and)  # ``a & b`` (bool or integer tensors)
bitwise_or = _compare("bitwise_or", np.bitwise_or)  # ``a | b``
bitwise_xor = _compare("bitwise_xor", np.bitwise_xor)  # ``a ^ b``
ne = _compare("ne", np.not_equal)
lt = _compare("lt", np.less)
le = _compare("le", np.less_equal)
gt = _compare("gt", np.greater)
ge = _compare("ge", np.greater_equal)


def logical_not(a: Tensor) -> Tensor:
    """Element-wise not → bool tensor."""
    return Tensor._make(np.logical_not(a._array))


def bitwise_not(a: Tensor) -> Tensor:
    """``~a``: logical not of a bool tensor, bitwise not of an integer one."""
    if a._array.dtype.kind == "f":
        raise TypeError("bitwise_not: ~ is only defined for bool and integer tensors")
    return Tensor._make(np.invert(a._array))


def isnan(a: Tensor) -> Tensor:
    """Element-wise NaN test."""
    return Tensor._make(np.isnan(a._array))


def isfinite(a: Tensor) -> Tensor:
    """Element-wise test for finite values (not NaN, not ±Inf)."""
    return Tensor._make(np.isfinite(a._array))


def sign(a: Tensor) -> Tensor:
    """−1, 0 or 1 per element (no gradient: it is 0 almost everywhere)."""
    return Tensor._make(np.sign(a._array))


def equal(a: Tensor, b: Tensor) -> bool:
    """True when ``a`` and ``b`` have the same shape and the same elements."""
    return a.shape == b.shape and bool(np.array_equal(a._array, b._array))


def allclose(a: Tensor, b: Tensor, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    """True when every element of ``a`` is within atol + rtol·|b| of ``b``."""
    return bool(np.allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol))
