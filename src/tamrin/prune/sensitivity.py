"""Sensitivity: how much the loss depends on each weight.

- First order (a Taylor expansion around the trained weights): setting wₖ to 0 changes the
  loss by ΔLₖ ≈ −wₖ·∂L/∂wₖ, so the score is sₖ = |wₖ · ∂L/∂wₖ| — one gradient for all.
- Measured: ΔLₖ = L(w with wₖ = 0) − L(w), one evaluation of the loss per weight (exact,
  and slow: for small models, or to check the estimates).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from tamrin.nn.module import Module
from tamrin.prune.mask import current_mask, effective, source
from tamrin.prune.objective import Objective
from tamrin.prune.select import ParamRef, parameters_to_prune


def taylor_scores(model: Module, loss_fn: Callable, data: Any,
                  parameters: Iterable[ParamRef] | None = None) -> dict[ParamRef, np.ndarray]:
    """sₖ = |wₖ · ∂L/∂wₖ| for every weight of ``parameters`` (default: the eligible ones)."""
    refs = list(parameters_to_prune(model) if parameters is None else parameters)
    grads = Objective(model, loss_fn, data).gradients([source(*ref) for ref in refs])
    return {ref: np.abs(effective(*ref) * g) for ref, g in zip(refs, grads)}


def loss_change_scores(model: Module, loss_fn: Callable, data: Any,
                       parameters: Iterable[ParamRef] | None = None
                       ) -> dict[ParamRef, np.ndarray]:
    """ΔLₖ = L(w with wₖ = 0) − L(w), measured weight by weight (0 for pruned ones)."""
    refs = list(parameters_to_prune(model) if parameters is None else parameters)
    objective = Objective(model, loss_fn, data)
    base = objective.value()
    scores = {}
    for ref in refs:
        flat, delta = source(*ref)._array.reshape(-1), np.zeros(source(*ref)._array.size)
        for k in np.flatnonzero(current_mask(*ref)):
            kept = flat[k]
            flat[k] = 0
            delta[k] = objective.value() - base
            flat[k] = kept
        scores[ref] = delta.reshape(source(*ref).shape)
    return scores
