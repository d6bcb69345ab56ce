"""Optimal Brain Damage (LeCun, Denker & Solla, 1990).

Around a minimum the gradient vanishes, and if the Hessian's off-diagonal terms are
neglected, deleting weight wₖ raises the loss by its saliency::

    sₖ = ½ · hₖₖ · wₖ²        hₖₖ = ∂²L/∂wₖ²

OBD prunes the weights of lowest saliency: a large weight in a flat direction may go before
a small one in a steep direction — unlike magnitude pruning.

The Hessian diagonal, on a float64 copy of the model (finite differences need it):

- exact (tensors of at most ``exact_max`` entries): one weight at a time, a central
  difference of the gradient, hₖₖ = [gₖ(w + εeₖ) − gₖ(w − εeₖ)] / 2ε — two gradient
  evaluations per weight, error O(ε²) (≈1e-8 relative in float64).
- Hutchinson's estimator (larger tensors): for random signs z (zᵢ = ±1, so E[zzᵀ] = I),
  E[z ⊙ Hz] = diag(H). Each Hessian-vector product is again a difference of gradients,
  Hz ≈ [g(w + εz) − g(w − εz)] / 2ε, and one probe serves every weight at once. The
  estimate is unbiased; its error falls as 1/√n_probes, and is larger where the
  off-diagonal terms are large.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from tamrin.nn.module import Module
from tamrin.nn.parameter import Parameter
from tamrin.prune.mask import current_mask, effective, source
from tamrin.prune.objective import Objective
from tamrin.prune.select import ParamRef, parameters_to_prune


def _exact_diagonal(objective: Objective, param: Parameter, mask: np.ndarray,
                    eps: float) -> np.ndarray:
    """hₖₖ by central differences of ∂L/∂wₖ, weight by weight (0 where pruned)."""
    flat, diag = param._array.reshape(-1), np.zeros(param._array.size)
    for k in np.flatnonzero(mask):
        kept = flat[k]
        flat[k] = kept + eps
        (g_plus,) = objective.gradients([param])
        flat[k] = kept - eps
        (g_minus,) = objective.gradients([param])
        flat[k] = kept
        diag[k] = (g_plus.reshape(-1)[k] - g_minus.reshape(-1)[k]) / (2 * eps)
    return diag.reshape(param.shape)


def _hutchinson_diagonal(objective: Objective, params: list[Parameter], n_probes: int,
                         eps: float, rng: np.random.Generator) -> list[np.ndarray]:
    """(1/S) Σₛ z ⊙ Hz over S Rademacher probes z shared by all ``params``."""
    sums = [np.zeros(p.shape) for p in params]
    kept = [p._array.copy() for p in params]
    for _ in range(n_probes):
        probes = [rng.choice([-1.0, 1.0], size=p.shape) for p in params]
        for p, w, z in zip(params, kept, probes):
            p._array[...] = w + eps * z
        g_plus = objective.gradients(params)
        for p, w, z in zip(params, kept, probes):
            p._array[...] = w - eps * z
        g_minus = objective.gradients(params)
        for s, z, gp, gm in zip(sums, probes, g_plus, g_minus):
            s += z * (gp - gm) / (2 * eps)
    for p, w in zip(params, kept):
        p._array[...] = w
    return [s / n_probes for s in sums]


def hessian_diagonal(model: Module, loss_fn: Callable, data: Any,
                     parameters: Iterable[ParamRef] | None = None, *, exact_max: int = 1024,
                     n_probes: int = 64, eps: float = 1e-5,
                     seed: int = 0) -> dict[ParamRef, np.ndarray]:
    """∂²L/∂wₖ² for every weight of ``parameters`` (default: the eligible ones): exact for
    tensors of at most ``exact_max`` entries, Hutchinson's estimate with ``n_probes`` probes
    (seeded by ``seed``) for larger ones. The model itself is not modified."""
    refs = list(parameters_to_prune(model) if parameters is None else parameters)
    objective, twins = Objective(model, loss_fn, data).float64([m for m, _ in refs])
    params = [source(twin, name) for twin, (_, name) in zip(twins, refs)]
    masks = [current_mask(*ref) for ref in refs]
    diag: dict[ParamRef, np.ndarray] = {}
    large = [i for i, p in enumerate(params) if p._array.size > exact_max]
    for i, ref in enumerate(refs):
        if i not in large:
            diag[ref] = _exact_diagonal(objective, params[i], masks[i], eps)
    if large:
        estimates = _hutchinson_diagonal(objective, [params[i] for i in large], n_probes,
                                         eps, np.random.default_rng(seed))
        for i, estimate in zip(large, estimates):
            diag[refs[i]] = estimate * (masks[i] != 0)
    return {ref: diag[ref].astype(source(*ref).dtype) for ref in refs}


def obd_saliencies(model: Module, loss_fn: Callable, data: Any,
                   parameters: Iterable[ParamRef] | None = None,
                   **hessian_options: Any) -> dict[ParamRef, np.ndarray]:
    """sₖ = ½ · hₖₖ · wₖ² for every weight of ``parameters`` (options: ``hessian_diagonal``)."""
    refs = list(parameters_to_prune(model) if parameters is None else parameters)
    diag = hessian_diagonal(model, loss_fn, data, refs, **hessian_options)
    return {ref: 0.5 * diag[ref] * effective(*ref) ** 2 for ref in refs}
