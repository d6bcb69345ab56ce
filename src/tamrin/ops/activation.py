"""Activation functions: sigmoid, tanh, ReLU, Leaky ReLU, ELU, SELU, softplus.

Each backward multiplies the incoming gradient by the activation's derivative, written in
terms of what forward already computed where that is cheaper (σ′ = σ(1 − σ), tanh′ = 1 − tanh²).
"""

from __future__ import annotations

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.tensor import Tensor

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1 + e⁻ˣ) without ever exponentiating a large positive number.

    With e = e^(−|x|) ∈ (0, 1]: σ(x) = 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0.
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


class Sigmoid(ArrayFunction):
    """σ(x) = 1 / (1 + e^(−x)).   Backward: dσ/dx = σ(x)·(1 − σ(x))  (at most 1/4)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        out = stable_sigmoid(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_arrays
        return g * out * (1.0 - out)


class Tanh(ArrayFunction):
    """tanh(x).   Backward: d tanh/dx = 1 − tanh²(x)  (at most 1)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_arrays
        return g * (1.0 - out * out)


class ReLU(ArrayFunction):
    """ReLU(x) = max(x, 0).   Backward: 1 where x > 0, else 0 (a unit stuck at 0 is dead)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        out = np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_arrays
        return g * (out > 0)


class LeakyReLU(ArrayFunction):
    """LeakyReLU(x) = x if x > 0 else s·x.   Backward: 1 if x > 0 else s (never exactly 0)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, negative_slope: float) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.slope = negative_slope
        return np.where(x > 0, x, x * np.asarray(negative_slope, x.dtype))

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_arrays
        return np.where(x > 0, g, g * np.asarray(ctx.slope, g.dtype))


class ELU(ArrayFunction):
    """ELU(x) = x if x > 0 else α(eˣ − 1).   Backward: 1 if x > 0 else α·eˣ = ELU(x) + α."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, alpha: float, scale: float = 1.0) -> np.ndarray:
        neg = np.asarray(alpha, x.dtype) * np.expm1(np.minimum(x, 0))
        out = np.where(x > 0, x, neg)
        ctx.save_for_backward(x, neg)
        ctx.alpha, ctx.scale = alpha, scale
        return out * np.asarray(scale, x.dtype) if scale != 1.0 else out

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        x, neg = ctx.saved_arrays
        d = np.where(x > 0, 1.0, neg + np.asarray(ctx.alpha, x.dtype)).astype(g.dtype)
        return g * d * np.asarray(ctx.scale, g.dtype) if ctx.scale != 1.0 else g * d


class Softplus(ArrayFunction):
    """softplus(x) = (1/β)·ln(1 + e^(βx)), linear where βx > threshold.

    Backward: σ(βx) (and 1 in the linear region).
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, beta: float, threshold: float) -> np.ndarray:
        bx = x * np.asarray(beta, x.dtype)
        soft = (np.log1p(np.exp(-np.abs(bx))) + np.maximum(bx, 0)) / np.asarray(beta, x.dtype)
        ctx.save_for_backward(bx)
        ctx.threshold = threshold
        return np.where(bx > threshold, x, soft)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (bx,) = ctx.saved_arrays
        return g * np.where(bx > ctx.threshold, 1.0, stable_sigmoid(bx)).astype(g.dtype)


def sigmoid(x: Tensor) -> Tensor:
    """σ(x) = 1/(1 + e⁻ˣ), computed stably."""
    return Sigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return Tanh.apply(x)


def relu(x: Tensor) -> Tensor:
    """max(x, 0)."""
    return ReLU.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x if x > 0 else negative_slope·x."""
    return LeakyReLU.apply(x, negative_slope=negative_slope)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x if x > 0 else α(eˣ − 1)."""
    return ELU.apply(x, alpha=alpha)


def selu(x: Tensor) -> Tensor:
    """λ·ELU(x, α) with λ ≈ 1.0507, α ≈ 1.6733 (self-normalising constants)."""
    return ELU.apply(x, alpha=SELU_ALPHA, scale=SELU_SCALE)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """(1/β)·ln(1 + e^(βx)), a smooth ReLU."""
    return Softplus.apply(x, beta=beta, threshold=threshold)
