"""Finite-difference gradient checking: is a backward pass the derivative of its forward?

For a function f of tensors, pick a fixed random weighting v of its outputs and compare,
for every input element xᵢ, the analytical ∂(v·f)/∂xᵢ from ``backward()`` with the central
difference [v·f(x + εeᵢ) − v·f(x − εeᵢ)] / 2ε, all in float64. (A random v makes a wrong
Jacobian entry show up with probability 1, at the cost of one backward pass.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tamrin.creation import as_tensor, from_numpy
from tamrin.grad_mode import no_grad
from tamrin.tensor import Tensor


class GradcheckError(AssertionError):
    """The analytical and numerical gradients disagree."""


def _as_tuple(x: Any) -> tuple:
    return x if isinstance(x, (tuple, list)) else (x,)


def _weighted_output(fn: Callable, inputs: Sequence[Any], weights: list[np.ndarray]) -> float:
    with no_grad():
        outs = _as_tuple(fn(*inputs))
    return float(sum(np.sum(w * o._array) for w, o in zip(weights, outs)))


def gradcheck(fn: Callable[..., Any], inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, seed: int = 0) -> bool:
    """Check the gradients of ``fn`` at ``inputs`` against central finite differences.

    ``inputs``: a Tensor or a sequence of Tensors (and other arguments passed unchanged).
    The floating-point tensors that require grad are checked (all floating tensors if none
    does); they are converted to float64 first. An element fails when
    |analytical − numerical| > atol + rtol·|numerical|. On failure, raises ``GradcheckError``
    naming the worst element (or returns False when ``raise_exception=False``).
    """
    inputs = list(_as_tuple(inputs))
    tensors = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.is_floating_point()]
    checked = [i for i in tensors if inputs[i].requires_grad] or tensors
    for i in tensors:  # float64, C-contiguous copies: perturbing them must not touch yours
        data = np.array(inputs[i]._array, dtype=np.float64, order="C")
        inputs[i] = from_numpy(data).requires_grad_(i in checked)
    outs = _as_tuple(fn(*inputs))
    rng = np.random.default_rng(seed)
    # integer outputs (argmax indices …) get weight 0: they are not differentiable
    weights = [rng.standard_normal(o.shape) * o.requires_grad for o in outs]
    differentiable = [(o, w) for o, w in zip(outs, weights) if o.requires_grad]
    if not differentiable:
        raise GradcheckError("gradcheck: no output of fn requires grad")
    total = sum((o * as_tensor(w, dtype=o.dtype)).sum() for o, w in differentiable)
    total.backward()
    worst = (0.0, "")
    for i in checked:
        x = inputs[i]
        analytical = np.zeros(x.shape) if x.grad is None else x.grad._array
        numerical = _numerical_gradient(fn, inputs, x, weights, eps)
        err = np.abs(analytical - numerical) - (atol + rtol * np.abs(numerical))
        err = np.where(np.isnan(err), np.inf, err)  # a NaN on either side is a failure
        if err.size and err.max() > worst[0]:
            j = np.unravel_index(int(np.argmax(err)), err.shape)
            worst = (float(err.max()), f"input {i} (shape {x.shape}) element {tuple(map(int, j))}: "
                     f"analytical {analytical[j]:.10g}, numerical {numerical[j]:.10g}")
    if worst[0] > 0:
        if raise_exception:
            raise GradcheckError(f"gradcheck: gradients disagree; worst is {worst[1]}")
        return False
    return True


def _numerical_gradient(fn: Callable, inputs: list, x: Tensor, weights: list[np.ndarray],
                        eps: float) -> np.ndarray:
    grad = np.zeros(x.shape)
    flat = x._array.reshape(-1)  # a view: perturbing it perturbs x
    for k in range(flat.size):
        saved = flat[k]
        flat[k] = saved + eps
        plus = _weighted_output(fn, inputs, weights)
        flat[k] = saved - eps
        minus = _weighted_output(fn, inputs, weights)
        flat[k] = saved
        grad.reshape(-1)[k] = (plus - minus) / (2 * eps)
    return grad
