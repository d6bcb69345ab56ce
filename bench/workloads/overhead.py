"""Per-op overhead of the autograd core (issue 2).

Tiny 2×2 tensors measure what an op costs besides its arithmetic: wrapping arrays, recording
the graph node, walking the graph backward. The 256×256 float32 matmul + sum, forward and
backward, measures the opposite: whether the core stays out of BLAS's way, against raw NumPy
doing the same arithmetic (forward A·B and its sum; backward G·Bᵀ and Aᵀ·G with G = ones).
Fwd+bwd repetitions drop the gradients first (``grad = None``, as ``zero_grad()`` does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bench.workloads.spec import Workload, import_framework


def _leaves(framework: str, n: int) -> tuple[Any, Any]:
    """Two float32 n×n leaves that require grad, with the same values in every framework."""
    lib = import_framework(framework, "overhead")
    rng = np.random.default_rng(0)
    arrays = rng.standard_normal((2, n, n)).astype(np.float32)
    return tuple(lib.tensor(a, requires_grad=True) for a in arrays)


def _forward(op: Callable[[Any, Any], Any], n: int) -> Callable[[str], Callable[[], object]]:
    def build(framework: str) -> Callable[[], object]:
        a, b = _leaves(framework, n)
        return lambda: op(a, b)

    return build


def _forward_backward(op: Callable[[Any, Any], Any],
                      n: int) -> Callable[[str], Callable[[], object]]:
    """``build`` for ``op(a, b).sum().backward()`` (or its hand-written NumPy twin)."""

    def build(framework: str) -> Callable[[], object]:
        if framework == "numpy":
            return _numpy_matmul_sum(n)
        a, b = _leaves(framework, n)

        def step() -> None:
            a.grad = b.grad = None
            op(a, b).sum().backward()

        return step

    return build


def _numpy_matmul_sum(n: int) -> Callable[[], object]:
    """The floor: s = Σ(A·B); G = ∂s/∂(A·B) = ones; ∂s/∂A = G·Bᵀ, ∂s/∂B = Aᵀ·G."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, n, n)).astype(np.float32)

    def step() -> tuple[np.ndarray, np.ndarray]:
        out = a @ b
        out.sum()
        g = np.ones_like(out)
        return g @ b.T, a.T @ g

    return step


def _add(a: Any, b: Any) -> Any:
    return a + b


def _matmul(a: Any, b: Any) -> Any:
    return a @ b


TINY = ("tamrin", "torch")
WORKLOADS = {
    "add-2x2-forward": Workload(
        title="2×2 float32 a + b, forward only", frameworks=TINY, build=_forward(_add, 2)),
    "add-2x2-fwd-bwd": Workload(
        title="2×2 float32 (a + b).sum().backward()", frameworks=TINY,
        build=_forward_backward(_add, 2), target="tamrin <= 1.0x torch", target_ratio=1.0),
    "matmul-2x2-forward": Workload(
        title="2×2 float32 a @ b, forward only", frameworks=TINY, build=_forward(_matmul, 2)),
    "matmul-2x2-fwd-bwd": Workload(
        title="2×2 float32 (a @ b).sum().backward()", frameworks=TINY,
        build=_forward_backward(_matmul, 2)),
    "matmul-256-fwd-bwd": Workload(
        title="256×256 float32 (a @ b).sum().backward() vs raw NumPy",
        frameworks=("tamrin", "numpy", "torch"), baseline="numpy",
        build=_forward_backward(_matmul, 256), target="tamrin <= 1.2x numpy",
        target_ratio=1.2),
}
