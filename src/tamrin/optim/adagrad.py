"""Adagrad: per-coordinate step sizes that shrink with the accumulated squared gradient."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from tamrin.optim.optimizer import Optimizer, coupled_gradient
from tamrin.tensor import Tensor


class Adagrad(Optimizer):
    """Adagrad as ``torch.optim.Adagrad``. At step t (from 1), for each θ with a gradient::

        g = ∇L(θ) + λ·θ                       (λ = weight_decay; −∇L if maximize)
        η_t = η / (1 + (t − 1)·lr_decay)
        G = G + g²                            (G₀ = initial_accumulator_value)
        θ ← θ − η_t · g / (√G + ε)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, *, maximize: bool = False,
                 nan_policy: str = "raise") -> None:
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "maximize": maximize}
        super().__init__(params, defaults, nan_policy)

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p._array, group["initial_accumulator_value"])
        state["step"] += 1
        g = coupled_gradient(grad, p._array, group)
        lr_t = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += g * g
        p._array -= lr_t * (g / (np.sqrt(state["sum"]) + group["eps"]))
