"""Stochastic gradient descent with momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from tamrin.optim.optimizer import Optimizer, coupled_gradient
from tamrin.optim.regularization import soft_threshold_
from tamrin.tensor import Tensor


class SGD(Optimizer):
    """SGD as ``torch.optim.SGD``, plus a proximal L1 option. Per step, for each θ with a grad::

        g  = ∇L(θ) + λ·θ                      (λ = weight_decay; −∇L if maximize)
        b  = g                                 on the first step, if momentum μ ≠ 0
        b  = μ·b + (1 − τ)·g                   afterwards        (τ = dampening)
        d  = g + μ·b  if nesterov,  b  if μ ≠ 0,  g  otherwise
        θ ← θ − η·d                            (η = lr)
        θ ← sign(θ)·max(|θ| − η·l1, 0)         proximal L1 (soft-thresholding), if l1 > 0

    The last line is the proximal step for the penalty l1·‖θ‖₁: unlike adding the L1
    subgradient l1·sign(θ) to g (``l1_penalty`` in the loss), which makes small weights
    oscillate around 0, it sets them to exactly 0. PyTorch has no ``l1`` option.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 *, maximize: bool = False, l1: float = 0.0, nan_policy: str = "raise") -> None:
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov=True requires momentum > 0 and dampening = 0, "
                             f"got momentum={momentum!r}, dampening={dampening!r}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "l1": l1}
        super().__init__(params, defaults, nan_policy)

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        d = coupled_gradient(grad, p._array, group)
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = d.copy()
            else:
                buf *= momentum
                dampening = group["dampening"]
                buf += d if dampening == 0 else (1 - dampening) * d  # no temporary when τ = 0
            d = d + momentum * buf if group["nesterov"] else buf
        p._array -= group["lr"] * d
        if group["l1"] != 0:
            soft_threshold_(p._array, group["lr"] * group["l1"])
