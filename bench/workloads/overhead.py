"""Single ops at every size: per-op overhead (2×2) up to memory- and BLAS-bound work (512×512).

For op ∈ {add, mul, matmul} and n ∈ ``SIZES``, on float32 n×n leaves that require grad:

- ``{op}-{n}x{n}-forward``: ``op(a, b)`` with the graph recorded, as in training;
- ``{op}-{n}x{n}-fwd-bwd``: ``op(a, b).sum().backward()``, the gradients first dropped
  (``grad = None``, as ``zero_grad()`` does).

Tiny sizes measure what an op costs besides its arithmetic (wrapping arrays, recording the
graph node, walking the graph backward); large ones whether the core stays out of the way of
NumPy's loops and BLAS. ``matmul-256-fwd-bwd`` compares the 256×256 matmul + sum, forward and
backward, with raw NumPy doing the same arithmetic (forward A·B and its sum; backward G·Bᵀ and
Aᵀ·G with G = ones).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bench.workloads.spec import Workload, import_framework

SIZES = (2, 16, 64, 256, 512)


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


OPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "matmul": lambda a, b: a @ b,
}
SYMBOLS = {"add": "+", "mul": "*", "matmul": "@"}
TINY = ("tamrin", "torch")


def _op_workloads() -> dict[str, Workload]:
    found = {}
    for name, op in OPS.items():
        for n in SIZES:
            expr = f"a {SYMBOLS[name]} b"
            found[f"{name}-{n}x{n}-forward"] = Workload(
                title=f"{n}×{n} float32 {expr}, forward (graph recorded)", frameworks=TINY,
                build=_forward(op, n), target="tamrin <= 1.0x torch", target_ratio=1.0)
            found[f"{name}-{n}x{n}-fwd-bwd"] = Workload(
                title=f"{n}×{n} float32 ({expr}).sum().backward()", frameworks=TINY,
                build=_forward_backward(op, n), target="tamrin <= 1.0x torch",
                target_ratio=1.0)
    return found


WORKLOADS = {
    **_op_workloads(),
    "matmul-256-fwd-bwd": Workload(
        title="256×256 float32 (a @ b).sum().backward() vs raw NumPy",
        frameworks=("tamrin", "numpy", "torch"), baseline="numpy",
        build=_forward_backward(OPS["matmul"], 256), target="tamrin <= 1.2x numpy",
        target_ratio=1.2),
}
