"""Einstein summation: ``einsum("ij,jk->ik", a, b)``, ``einsum("bi,bi->b", x, y)`` …

z[out] = Σ over the letters missing from ``out`` of Πₖ aₖ[sₖ], where sₖ are the letters
(subscripts) of operand k. Without ``->`` the output has the letters that appear once, in
alphabetical order; ``...`` stands for the same leading axes in every operand.

Backward: the gradient with respect to operand k is the same kind of sum with aₖ replaced
by the output's gradient g: ∂L/∂aₖ[sₖ] = Σ g[out]·Π_{j≠k} aⱼ[sⱼ], i.e.
``einsum("out,s₁,…(without sₖ)…->sₖ")``. A letter of sₖ found in no other operand and not
in the output was summed over aₖ alone: its gradient is the same along that whole axis.
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from tamrin.autograd import ArrayFunction, Context
from tamrin.tensor import Tensor


class Einsum(ArrayFunction):
    """See the module docstring: forward and backward are both einsums."""

    @staticmethod
    def forward(ctx: Context, *arrays: np.ndarray, inputs: tuple[str, ...],
                output: str) -> np.ndarray:
        ctx.save_for_backward(*arrays)
        ctx.subscripts, ctx.output = inputs, output
        return np.einsum(f"{','.join(inputs)}->{output}", *arrays, optimize=True)

    @staticmethod
    def backward(ctx: Context, g: np.ndarray) -> tuple:
        arrays = ctx.saved_arrays
        return tuple(_operand_grad(g, ctx.output, ctx.subscripts, arrays, k) if need else None
                     for k, need in enumerate(ctx.needs_input_grad))


def _operand_grad(g: np.ndarray, output: str, inputs: Sequence[str],
                  arrays: Sequence[np.ndarray], k: int) -> np.ndarray:
    others = [j for j in range(len(inputs)) if j != k]
    seen = set(output).union(*(inputs[j] for j in others))
    kept = "".join(c for c in inputs[k] if c in seen)
    spec = ",".join([output, *(inputs[j] for j in others)]) + "->" + kept
    grad = np.einsum(spec, g, *(arrays[j] for j in others), optimize=True)
    if kept != inputs[k]:  # letters summed over a_k alone: the same gradient all along them
        grad = np.expand_dims(grad, [i for i, c in enumerate(inputs[k]) if c not in seen])
        grad = np.broadcast_to(grad, arrays[k].shape).copy()
    return grad


def _parse(equation: str, ndims: Sequence[int]) -> tuple[tuple[str, ...], str]:
    """(subscripts of each operand, subscripts of the output), ``...`` replaced by letters."""
    lhs, arrow, rhs = equation.replace(" ", "").partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(ndims):
        raise ValueError(f"einsum: the equation {equation!r} has {len(inputs)} operands, "
                         f"got {len(ndims)} tensors")
    spare = [c for c in string.ascii_uppercase + string.ascii_lowercase if c not in equation]
    n_ellipsis = max([n - len(s.replace("...", "")) for s, n in zip(inputs, ndims)
                      if "..." in s] or [0])
    ellipsis = "".join(spare[:n_ellipsis])
    inputs = [s.replace("...", ellipsis[n_ellipsis - (n - len(s) + 3):]) for s, n in
              zip(inputs, ndims)]
    counts = Counter("".join(inputs))
    output = rhs.replace("...", ellipsis) if arrow else \
        ellipsis + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ellipsis))
    for s, n in zip(inputs, ndims):
        if len(s) != n or not s.isalpha():
            raise ValueError(f"einsum: subscripts {s!r} do not match an operand with {n} "
                             f"dimensions (equation {equation!r})")
        if len(set(s)) != len(s):
            raise ValueError(f"einsum: a letter repeated within one operand ({s!r}: a "
                             "diagonal) is not supported")
    if len(set(output)) != len(output) or not set(output) <= set(counts):
        raise ValueError(f"einsum: the output subscripts {output!r} must be distinct letters "
                         "of the operands")
    return tuple(inputs), output


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products over the subscripts of ``equation`` (see the module docstring)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    inputs, output = _parse(equation, [np.ndim(o._array if isinstance(o, Tensor) else o)
                                       for o in operands])
    return Einsum.apply(*operands, inputs=inputs, output=output)
