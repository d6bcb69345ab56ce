"""Matrix multiplication (batched, with PyTorch's rules for 1-D operands)."""

from __future__ import annotations

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.tensor import Tensor


def product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.matmul(a, b)``, through ``np.dot`` for two matrices: the same product (one BLAS
    GEMM) with less call overhead — measured 0.56 against 0.99 µs for 2×2 float32, 0.65
    against 1.06 µs for 16×16."""
    if a.ndim == 2 and b.ndim == 2:
        return np.dot(a, b)
    return np.matmul(a, b)


class MatMul(ArrayFunction):
    """Z = A·B, batched over leading axes.

    Backward (the two GEMMs of every linear layer): ∂L/∂A = G·Bᵀ, ∂L/∂B = Aᵀ·G, summed over
    broadcast batch axes. A 1-D A is a row vector and a 1-D B a column vector, as PyTorch.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: both arguments need at least 1 dimension, got shapes "
                             f"{a.shape} and {b.shape}")
        need_a, need_b = ctx.needs_input_grad
        # as PyTorch, each operand only if the other's gradient needs it; the ranks always
        ctx.save_for_backward(a if need_b else None, b if need_a else None, a.ndim, b.ndim)
        try:
            return product(a, b)
        except ValueError:
            inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
            reason = (f"inner dimensions {a.shape[-1]} and {inner_b} must match"
                      if a.shape[-1] != inner_b else
                      f"batch dimensions {a.shape[:-2]} and {b.shape[:-2]} must broadcast")
            raise ValueError(
                f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied ({reason})"
            ) from None

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        a, b, a_ndim, b_ndim = ctx.saved_arrays
        need_a, need_b = ctx.needs_input_grad
        # A 1-D operand is a 1×k row (A) or a k×1 column (B): put the axis back into it and
        # into G (B's first, so that a vector·vector G of shape () becomes 1×1).
        g2 = np.expand_dims(g, -1) if b_ndim == 1 else g
        if a_ndim == 1:
            g2 = np.expand_dims(g2, -2)
        ga = gb = None
        if need_a:
            b2 = b[:, None] if b_ndim == 1 else b
            ga = product(g2, np.swapaxes(b2, -1, -2))
            if a_ndim == 1:
                ga = ga[..., 0, :]
        if need_b:
            a2 = a[None, :] if a_ndim == 1 else a
            gb = product(np.swapaxes(a2, -1, -2), g2)
            if b_ndim == 1:
                gb = gb[..., 0]
        return ga, gb


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product with broadcasting over batch axes (the ``@`` operator)."""
    return MatMul.apply(a, b)


def _check_dims(op: str, a: Tensor, b: Tensor, ndims: tuple[int, int], what: str) -> None:
    if (a.ndim, b.ndim) != ndims:
        raise RuntimeError(f"{op}: expected {what}, got shapes {tuple(a.shape)} and "
                           f"{tuple(b.shape)}")


def mm(a: Tensor, b: Tensor) -> Tensor:
    """The product of two matrices (2-D only)."""
    _check_dims("mm", a, b, (2, 2), "two 2-D matrices")
    return MatMul.apply(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product: (B, n, k) @ (B, k, m) → (B, n, m), the same B on both sides."""
    _check_dims("bmm", a, b, (3, 3), "two 3-D tensors (batch, rows, columns)")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {a.shape[0]} and {b.shape[0]}")
    return MatMul.apply(a, b)


def mv(a: Tensor, v: Tensor) -> Tensor:
    """Matrix times vector: (n, k) @ (k,) → (n,)."""
    _check_dims("mv", a, v, (2, 1), "a 2-D matrix and a 1-D vector")
    return MatMul.apply(a, v)


def dot(a: Tensor, b: Tensor) -> Tensor:
    """Inner product Σᵢ aᵢbᵢ of two 1-D tensors."""
    _check_dims("dot", a, b, (1, 1), "two 1-D tensors")
    return MatMul.apply(a, b)
