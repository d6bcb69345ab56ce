"""Gradient clipping, as ``torch.nn.utils``: rescale or clamp ``.grad`` in place."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from tamrin.creation import as_tensor
from tamrin.tensor import Tensor


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[np.ndarray]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad._array for p in params if p.grad is not None]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Rescale all gradients together so that their joint norm is at most ``max_norm``.

    ‖g‖ = ‖(‖g₁‖_p, …, ‖g_k‖_p)‖_p — the p-norm of all gradients concatenated (the max
    absolute entry for p = inf) — then every gᵢ ← gᵢ · min(1, max_norm / (‖g‖ + 1e-6)).
    The direction of the full gradient is kept. Returns ‖g‖ before clipping (a 0-d Tensor).
    """
    grads = _grads(parameters)
    if not grads:
        return Tensor(0.0)
    p = float(norm_type)
    norms = np.array([np.linalg.norm(g.ravel(), ord=p) for g in grads])
    total = np.asarray(np.linalg.norm(norms, ord=p), dtype=np.result_type(*grads))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"{float(total)}, so they cannot be clipped; set error_if_nonfinite=False to "
            "clip anyway (the gradients then become NaN)")
    coef = min(max_norm / (float(total) + 1e-6), 1.0)
    for g in grads:
        g *= coef
    return as_tensor(total, dtype=total.dtype)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient entry to [−clip_value, clip_value], in place."""
    for g in _grads(parameters):
        np.clip(g, -clip_value, clip_value, out=g)
