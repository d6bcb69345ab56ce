"""Matrix multiplication (batched, with PyTorch's rules for 1-D operands)."""

from __future__ import annotations

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.tensor import Tensor


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
        ctx.save_for_backward(a, b)
        try:
            return np.matmul(a, b)
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
        a, b = ctx.saved_arrays
        need_a, need_b = ctx.needs_input_grad
        # A 1-D operand is a 1×k row (A) or a k×1 column (B): put the axis back into it and
        # into G (B's first, so that a vector·vector G of shape () becomes 1×1).
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = np.expand_dims(g, -1) if b.ndim == 1 else g
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        ga = gb = None
        if need_a:
            ga = np.matmul(g2, np.swapaxes(b2, -1, -2))
            if a.ndim == 1:
                ga = ga[..., 0, :]
        if need_b:
            gb = np.matmul(np.swapaxes(a2, -1, -2), g2)
            if b.ndim == 1:
                gb = gb[..., 0]
        return ga, gb


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product with broadcasting over batch axes (the ``@`` operator)."""
    return MatMul.apply(a, b)
