"""Inverted dropout: zero each unit with probability p and scale the survivors by 1/(1 − p).

The expected value of every unit is unchanged (E[mask] = 1), so evaluation is the identity.
Masks come from the library generator, so ``tamrin.manual_seed`` makes them reproducible.
"""

from __future__ import annotations

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.random import default_generator
from tamrin.tensor import Tensor


class Dropout(ArrayFunction):
    """y = x·m with m = Bernoulli(1 − p)/(1 − p), drawn once per element of ``mask_shape``
    (a mask of shape (N, C, 1, 1) drops whole channels).   Backward: ∂L/∂x = ∂L/∂y·m."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, p: float, mask_shape: tuple[int, ...]) -> np.ndarray:
        keep = default_generator().random(mask_shape, dtype=np.float32) >= p
        mask = keep * np.asarray(1.0 / (1.0 - p) if p < 1 else 0.0, x.dtype)
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> np.ndarray:
        (mask,) = ctx.saved_arrays
        return g * mask


def _check_p(name: str, p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")


def dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1 − p) (training);
    the identity when not training or p = 0."""
    _check_p("dropout", p)
    if not training or p == 0.0:
        return input
    return Dropout.apply(input, p=p, mask_shape=input.shape)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero whole channels: one draw per (sample, channel) of an (N, C, *) input."""
    _check_p("dropout2d", p)
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 4-D input (N, C, H, W) or 3-D (N, C, L), got "
                         f"shape {tuple(input.shape)}")
    if not training or p == 0.0:
        return input
    return Dropout.apply(input, p=p, mask_shape=input.shape[:2] + (1,) * (input.ndim - 2))
