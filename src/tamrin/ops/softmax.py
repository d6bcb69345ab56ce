"""Softmax and log-softmax along one dimension, both numerically stable."""

from __future__ import annotations

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.ops._operands import normalize_dims
from tamrin.tensor import Tensor


def stable_log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """log softmax(x) = x − m − ln Σⱼ e^(xⱼ − m), m = max x: no exp of a large number."""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


class Softmax(ArrayFunction):
    """ŷᵢ = e^(xᵢ) / Σⱼ e^(xⱼ).

    Jacobian ∂ŷᵢ/∂xⱼ = ŷᵢ(δᵢⱼ − ŷⱼ), so the backward is ∂L/∂xⱼ = ŷⱼ(gⱼ − Σᵢ gᵢŷᵢ).
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: int) -> np.ndarray:
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        out = e / np.sum(e, axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_arrays
        return out * (g - np.sum(g * out, axis=ctx.axis, keepdims=True))


class LogSoftmax(ArrayFunction):
    """zᵢ = xᵢ − ln Σⱼ e^(xⱼ).   Backward: ∂L/∂xⱼ = gⱼ − softmax(x)ⱼ · Σᵢ gᵢ."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: int) -> np.ndarray:
        out = stable_log_softmax(x, axis)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_arrays
        return g - np.exp(out) * np.sum(g, axis=ctx.axis, keepdims=True)


def _axis(x: Tensor, dim: int | None, op: str) -> int | None:
    if x.ndim == 0:
        return None
    if dim is None:
        if x.ndim not in (0, 1, 2, 4):
            raise ValueError(f"{op}: give dim= explicitly for a {x.ndim}-D input")
        return 0 if x.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice
    (axis,) = normalize_dims(dim, x.ndim, op)
    return axis


def softmax(x: Tensor, dim: int | None = None) -> Tensor:
    """Softmax along ``dim``: non-negative, sums to 1."""
    return Softmax.apply(x, axis=_axis(x, dim, "softmax"))


def log_softmax(x: Tensor, dim: int | None = None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed without overflow."""
    return LogSoftmax.apply(x, axis=_axis(x, dim, "log_softmax"))
