"""Regularisation: which parameters decay, L1/L2 penalties, and the proximal L1 step.

The course applies weight decay to *weights*, not to biases. The rule used throughout (by
``param_groups``, ``l1_penalty`` and ``l2_penalty`` when given a Module): a parameter is a
weight unless it has ndim ≤ 1 (biases, batch-norm scales and shifts) or its name matches
one of the ``no_decay`` glob patterns (default ``("*bias",)``). Given an iterable of
Parameters instead of a Module, the penalties use exactly those parameters — the way to
regularise a bias on purpose.

Conventions (so that a penalty and an optimiser option are interchangeable):

- ``l2_penalty(model, lam)`` = (λ/2)·Σ‖W‖², whose gradient λ·W is exactly what
  ``SGD(weight_decay=λ)`` adds to the gradient.
- ``l1_penalty(model, lam)`` = λ·Σ‖W‖₁, whose (sub)gradient λ·sign(W) makes small weights
  oscillate around 0; ``SGD(l1=λ)`` (or ``soft_threshold_`` after any step with threshold
  η·λ) is the proximal step for the same penalty and sets them to exactly 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from typing import Any

import numpy as np

from tamrin.nn.module import Module
from tamrin.nn.parameter import Parameter
from tamrin.tensor import Tensor

DEFAULT_NO_DECAY = ("*bias",)


def is_decayed(name: str, param: Tensor, no_decay: Sequence[str] = DEFAULT_NO_DECAY,
               exclude_1d: bool = True) -> bool:
    """Whether weight decay applies to the parameter ``name`` (see the module docstring).

    A pattern matches the full dotted name (``"fc.bias"``) or its last part (``"bias"``).
    """
    if exclude_1d and param.ndim <= 1:
        return False
    last = name.rsplit(".", 1)[-1]
    return not any(fnmatchcase(name, pat) or fnmatchcase(last, pat) for pat in no_decay)


def param_groups(model: Module, weight_decay: float,
                 no_decay: Sequence[str] = DEFAULT_NO_DECAY, exclude_1d: bool = True,
                 **options: Any) -> list[dict[str, Any]]:
    """Two param groups for an optimiser: weights with ``weight_decay``, the rest with 0.

    ``options`` (e.g. ``lr``) are added to both groups; parameters with
    ``requires_grad=False`` are left out, empty groups are dropped, and parameters keep
    their names (``param_names``), so an optimiser error names them::

        opt = tamrin.optim.SGD(param_groups(model, weight_decay=1e-4), lr=0.1)
    """
    decay: list[tuple[str, Parameter]] = []
    rest: list[tuple[str, Parameter]] = []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (decay if is_decayed(name, p, no_decay, exclude_1d) else rest).append((name, p))
    groups = [{"params": decay, "weight_decay": weight_decay, **options},
              {"params": rest, "weight_decay": 0.0, **options}]
    return [g for g in groups if g["params"]]


def _weights(model: Module | Iterable[Tensor], no_decay: Sequence[str],
             exclude_1d: bool) -> list[Tensor]:
    if isinstance(model, Module):
        return [p for name, p in model.named_parameters()
                if is_decayed(name, p, no_decay, exclude_1d)]
    return list(model)


def l1_penalty(model: Module | Iterable[Tensor], lam: float = 1.0,
               no_decay: Sequence[str] = DEFAULT_NO_DECAY, exclude_1d: bool = True) -> Tensor:
    """λ·Σ|w| over the weights (biases excluded by default): a differentiable Tensor to add
    to the loss. Its gradient is λ·sign(w) (0 at w = 0)."""
    weights = _weights(model, no_decay, exclude_1d)
    return lam * sum((w.abs().sum() for w in weights), Tensor(0.0))


def l2_penalty(model: Module | Iterable[Tensor], lam: float = 1.0,
               no_decay: Sequence[str] = DEFAULT_NO_DECAY, exclude_1d: bool = True) -> Tensor:
    """(λ/2)·Σw² over the weights (biases excluded by default): a differentiable Tensor to
    add to the loss. Its gradient λ·w equals ``SGD(weight_decay=λ)``'s addition."""
    weights = _weights(model, no_decay, exclude_1d)
    return (lam / 2) * sum(((w * w).sum() for w in weights), Tensor(0.0))


def soft_threshold_(x: Tensor | np.ndarray, threshold: float) -> Tensor | np.ndarray:
    """In place: x ← sign(x)·max(|x| − threshold, 0), the proximal map of threshold·‖x‖₁.

    Entries with |x| ≤ threshold become exactly 0; the others move ``threshold`` towards 0.
    After a gradient step with learning rate η, ``soft_threshold_(p, η·λ)`` is the proximal
    gradient (ISTA) step for the penalty λ·‖p‖₁.
    """
    if threshold < 0:
        raise ValueError(f"soft_threshold_: threshold must be >= 0, got {threshold!r}")
    a = x._array if isinstance(x, Tensor) else x
    shrunk = np.maximum(np.abs(a) - threshold, 0)
    a[...] = np.sign(a) * shrunk
    return x
