"""RMSprop: divide the step by a running root-mean-square of the gradient."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from tamrin.optim.optimizer import Optimizer, coupled_gradient
from tamrin.tensor import Tensor


class RMSprop(Optimizer):
    """RMSprop as ``torch.optim.RMSprop``. Per step, for each θ with a gradient::

        g = ∇L(θ) + λ·θ                           (λ = weight_decay; −∇L if maximize)
        v = α·v + (1 − α)·g²                      (v₀ = 0, α = alpha)
        ḡ = α·ḡ + (1 − α)·g,  r = √(v − ḡ²) + ε   if centered   (ḡ₀ = 0)
                              r = √v + ε           otherwise
        b = μ·b + g/r,  θ ← θ − η·b               if momentum μ > 0   (b₀ = 0)
                        θ ← θ − η·g/r             otherwise
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, *, maximize: bool = False,
                 nan_policy: str = "raise") -> None:
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                    "momentum": momentum, "centered": centered, "maximize": maximize}
        super().__init__(params, defaults, nan_policy)

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p._array)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(p._array)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p._array)
        state["step"] += 1
        g = coupled_gradient(grad, p._array, group)
        alpha = group["alpha"]
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * g * g
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (g - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / avg
            p._array -= group["lr"] * buf
        else:
            p._array -= group["lr"] * (g / avg)
