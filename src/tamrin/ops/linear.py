"""The fully connected (affine) layer as one fused op: one GEMM forward, two backward."""

from __future__ import annotations

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.ops.matmul import product
from tamrin.tensor import Tensor


class Linear(ArrayFunction):
    """y = x·Wᵀ + b, for x of shape (*, in), W (out, in), b (out,).

    Backward, with G = ∂L/∂y flattened to (M, out) and X to (M, in):
    ∂L/∂X = G·W,   ∂L/∂W = Gᵀ·X,   ∂L/∂b = Σₘ Gₘ  (a shared bias gets the sum).
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray,
                bias: np.ndarray | None) -> np.ndarray:
        if x.ndim == 0 or weight.ndim != 2 or x.shape[-1] != weight.shape[1]:
            raise ValueError(
                f"linear: input of shape {x.shape} does not fit weight of shape "
                f"{weight.shape}: expected input (*, {weight.shape[-1]})"
            )
        out = product(x, weight.T)
        if bias is not None:
            out += bias
        need_x, need_w, _ = ctx.needs_input_grad
        ctx.save_for_backward(x if need_w else None, weight if need_x else None)  # as PyTorch
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        x, weight = ctx.saved_arrays
        need_x, need_w, need_b = ctx.needs_input_grad
        g2 = g.reshape(-1, g.shape[-1])
        gx = product(g, weight) if need_x else None
        gw = product(g2.T, x.reshape(-1, x.shape[-1])) if need_w else None
        gb = g2.sum(axis=0) if need_b else None
        return gx, gw, gb


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x·Wᵀ + b (``torch.nn.functional.linear``)."""
    return Linear.apply(input, weight, bias)
