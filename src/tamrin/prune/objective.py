"""The loss that the data-driven criteria (sensitivity, OBD) look at.

L(θ) = Σ_b (n_b / N) · loss_fn(model(x_b), y_b): the mean loss over a fixed list of batches,
computed in eval mode (no dropout noise, batch norm with its running statistics), so that
the same θ always gives the same L — finite differences of L and of ∇L depend on it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from tamrin.creation import as_tensor
from tamrin.grad_mode import enable_grad, no_grad
from tamrin.nn.module import Module
from tamrin.tensor import Tensor


def _as_tensor(value: Any, dtype: Any = None) -> Any:
    if isinstance(value, np.ndarray):
        value = as_tensor(value, dtype=value.dtype)
    if dtype is not None and isinstance(value, Tensor) and value._array.dtype.kind == "f":
        value = as_tensor(value._array, dtype=dtype)
    return value


def as_batches(data: Any, dtype: Any = None) -> list[tuple[Any, Any]]:
    """One ``(x, y)`` pair, or an iterable of them (a DataLoader), as a fixed list (floating
    inputs cast to ``dtype`` if given)."""
    pairs = [data] if isinstance(data, tuple) else list(data)
    if not pairs:
        raise ValueError("prune: the data for the loss is empty")
    return [(_as_tensor(x, dtype), _as_tensor(y)) for x, y in pairs]


@contextmanager
def evaluation(model: Module) -> Iterator[None]:
    """``model.eval()`` inside; every submodule's own mode restored after."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for m, mode in modes:
            object.__setattr__(m, "training", mode)


class Objective:
    """L(θ) of ``model`` under ``loss_fn`` over ``data`` (see the module docstring)."""

    def __init__(self, model: Module, loss_fn: Callable[[Tensor, Any], Tensor], data: Any,
                 dtype: Any = None) -> None:
        self.model, self.loss_fn = model, loss_fn
        self.batches = as_batches(data, dtype)
        self.n = sum(len(x) for x, _ in self.batches)

    def _loss(self) -> Tensor:
        total = None
        for x, y in self.batches:
            term = self.loss_fn(self.model(x), y) * (len(x) / self.n)
            total = term if total is None else total + term
        return total

    def value(self) -> float:
        """L(θ) at the current parameters."""
        with evaluation(self.model), no_grad():
            return float(self._loss().item())

    def gradients(self, tensors: list[Tensor]) -> list[np.ndarray]:
        """∂L/∂t for each leaf ``t`` (zeros where L does not depend on it); the model's own
        ``.grad`` are left as they were."""
        saved = [(p, p.grad) for p in self.model.parameters()]
        for p, _ in saved:
            p.grad = None
        try:
            with evaluation(self.model), enable_grad():
                self._loss().backward()
            return [np.zeros_like(t._array) if t.grad is None else t.grad._array for t in tensors]
        finally:
            for p, grad in saved:
                p.grad = grad

    def float64(self, modules: Iterable[Module]) -> tuple[Objective, list[Module]]:
        """The same objective on a float64 copy of the model (for finite differences), and
        the copies of ``modules``."""
        names = {id(m): name for name, m in self.model.named_modules()}
        twin = copy.deepcopy(self.model).double()
        objective = Objective(twin, self.loss_fn, self.batches, dtype=np.float64)
        return objective, [twin.get_submodule(names[id(m)]) for m in modules]
