"""Adam and AdamW: one moment update, two ways of applying weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from tamrin.optim.optimizer import Optimizer, coupled_gradient
from tamrin.tensor import Tensor


class Adam(Optimizer):
    """Adam as ``torch.optim.Adam``, plus a ``bias_correction`` switch. At step t (from 1)::

        θ ← θ·(1 − η·λ)                         if decoupled_weight_decay (AdamW)
        g = ∇L(θ) + λ·θ                         otherwise (λ = weight_decay; −∇L if maximize)
        m = β₁·m + (1 − β₁)·g                   first moment  (m₀ = 0)
        s = β₂·s + (1 − β₂)·g²                  second moment (s₀ = 0)
        ŝ = max(ŝ, s) if amsgrad, else s        (the running max, ŝ₀ = 0)
        θ ← θ − η/(1 − β₁ᵗ) · m / (√ŝ/√(1 − β₂ᵗ) + ε)    if bias_correction (PyTorch)
        θ ← θ − η · m / (√ŝ + ε)                          if not

    With m₀ = s₀ = 0, E[mₜ] = (1 − β₁ᵗ)·E[g]: without the correction the first steps
    use moments biased towards 0.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False, bias_correction: bool = True,
                 nan_policy: str = "raise") -> None:
        betas = tuple(betas) if isinstance(betas, list) else betas  # checked by Optimizer
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "bias_correction": bias_correction}
        super().__init__(params, defaults, nan_policy)

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p._array)
            state["exp_avg_sq"] = np.zeros_like(p._array)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p._array)
        state["step"] += 1
        t = state["step"]
        lr, (beta1, beta2) = group["lr"], group["betas"]
        if group["decoupled_weight_decay"]:
            p._array *= 1 - lr * group["weight_decay"]
            g = -grad if group["maximize"] else grad
        else:
            g = coupled_gradient(grad, p._array, group)
        m, s = state["exp_avg"], state["exp_avg_sq"]
        m += (1 - beta1) * (g - m)
        s *= beta2
        s += (1 - beta2) * g * g
        if group["amsgrad"]:
            s = np.maximum(state["max_exp_avg_sq"], s, out=state["max_exp_avg_sq"])
        if group["bias_correction"]:
            step_size = lr / (1 - beta1**t)
            denom = np.sqrt(s) / (1 - beta2**t) ** 0.5 + group["eps"]
        else:
            step_size = lr
            denom = np.sqrt(s) + group["eps"]
        p._array -= step_size * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as ``torch.optim.AdamW``::

        θ ← θ·(1 − η·λ),  then the Adam step on ∇L alone   (λ = weight_decay, default 0.01)

    Unlike L2 in the gradient, the decay is not divided by √ŝ, so every weight shrinks by
    the same factor whatever its gradient history.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 bias_correction: bool = True, nan_policy: str = "raise") -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True, bias_correction=bias_correction,
                         nan_policy=nan_policy)
