"""What the problem modules share: float64 tensors, and the check that the library's
numbers and the hand formulas shown on the solution sheet agree."""

from __future__ import annotations

from typing import Any

import numpy as np

import tamrin
from tamrin.homework.values import Value, differs, plain

AGREEMENT = 1e-9  # relative: tamrin and the hand formulas agree to rounding


class SolverDisagreement(AssertionError):
    """tamrin and the hand formula gave different numbers: a bug, never a student's error."""


def f64(value: Any, requires_grad: bool = False) -> tamrin.Tensor:
    """A float64 tensor (the homework computes in float64)."""
    return tamrin.tensor(np.asarray(value, dtype=np.float64), dtype=tamrin.float64,
                         requires_grad=requires_grad)


def agree(problem_id: str, library: dict[str, Value], hand: dict[str, Value]) -> None:
    """Raise ``SolverDisagreement`` if a value computed by tamrin and the same value by the
    hand formula differ by more than 1e-9 (relative)."""
    for name, value in library.items():
        if differs(plain(value), plain(hand[name]), AGREEMENT):
            raise SolverDisagreement(f"{problem_id}: {name} is {value!r} by tamrin but "
                                     f"{hand[name]!r} by the hand formula")
