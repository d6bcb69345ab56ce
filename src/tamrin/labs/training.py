"""Training helpers shared by labs that fit small models with ``tamrin.optim``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from tamrin import Tensor
from tamrin.optim import Optimizer
from tamrin.optim.lr_scheduler import LRScheduler


def full_batch(forward: Callable[[], Tensor], optimizer: Optimizer, steps: int,
               scheduler: LRScheduler | None = None) -> np.ndarray:
    """``steps`` optimisation steps on the loss that ``forward()`` computes (the same data
    every step: full-batch descent), the ``scheduler`` (if any) stepped after each. Returns
    the loss before each step and after the last."""
    losses = []
    for _ in range(steps):
        loss = forward()
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    losses.append(forward().item())
    return np.array(losses)


def flat(params: Sequence[Tensor]) -> np.ndarray:
    """All parameters as one vector (a copy)."""
    return np.concatenate([p.data.ravel() for p in params])


def assign(params: Sequence[Tensor], vector: np.ndarray) -> None:
    """Overwrite the parameters, in order, with the entries of ``vector``."""
    start = 0
    for p in params:
        p.data[...] = vector[start:start + p.data.size].reshape(p.data.shape)
        start += p.data.size
