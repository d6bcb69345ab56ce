"""Training helpers for labs that fit small models by full-batch gradient descent."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from tamrin import Tensor
from tamrin.nn import Module
from tamrin.optim import Optimizer
from tamrin.train import History, fit


def full_batch(model: Module, loss_fn: Callable[[Tensor, Tensor], Tensor],
               optimizer: Optimizer, x: Tensor, y: Tensor, steps: int,
               scheduler: object = None) -> History:
    """Full-batch gradient descent with ``tamrin.train.fit``: the loader is one batch holding
    all the data, so each epoch is exactly one step (``scheduler`` steps after each).
    ``history.steps[i]["loss"]`` is the loss before step i."""
    return fit(model, loss_fn, optimizer, [(x, y)], epochs=steps, scheduler=scheduler,
               scheduler_interval="step", progress=False)


def step_losses(history: History) -> np.ndarray:
    """The loss before every step of a run."""
    return np.array([s["loss"] for s in history.steps])


def flat(params: Sequence[Tensor]) -> np.ndarray:
    """All parameters as one vector (a copy)."""
    return np.concatenate([p.numpy().ravel() for p in params])


def assign(params: Sequence[Tensor], vector: np.ndarray) -> None:
    """Overwrite the parameters, in order, with the entries of ``vector``."""
    start = 0
    for p in params:
        array = p.numpy()
        array[...] = vector[start:start + array.size].reshape(array.shape)
        start += array.size
