"""Checking the arguments of public entry points.

One helper per kind of value. Each returns the value in its canonical Python type or
raises an error that names the function (``where``), the argument, the value and what was
expected — with PyTorch's exception type where PyTorch raises (a negative dimension is a
RuntimeError there, a non-number learning rate a TypeError).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

MAX_SEED = 2**63 - 1  # seeds are non-negative 64-bit integers (NumPy's generators take them)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def real(value: Any, name: str, where: str, *, low: float | None = None,
         high: float | None = None, low_open: bool = False, high_open: bool = False,
         finite: bool = True) -> float:
    """``value`` as a float: a real number (not a bool, not a string), finite unless
    ``finite=False``, inside [low, high] (an end excluded when ``*_open``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a real number, got {_show(value)} "
                        f"({type(value).__name__})")
    v = float(value)
    if math.isnan(v) or (finite and math.isinf(v)):
        raise ValueError(f"{where}: {name} must be a finite number, got {v}")
    too_low = low is not None and (v <= low if low_open else v < low)
    too_high = high is not None and (v >= high if high_open else v > high)
    if too_low or too_high:
        raise ValueError(f"{where}: {name} must be {_interval(low, high, low_open, high_open)}"
                         f", got {_show(value)}")
    return v


def _interval(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if high is None:
        return f"{'>' if low_open else '≥'} {low:g}"
    if low is None:
        return f"{'<' if high_open else '≤'} {high:g}"
    return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def integer(value: Any, name: str, where: str, *, low: int | None = None,
            high: int | None = None) -> int:
    """``value`` as an int: an integer (Python or NumPy, not a bool, not a float such as
    2.5), inside [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: {name} must be an integer, got {_show(value)} "
                        f"({type(value).__name__})")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        bound = f"≥ {low}" if high is None else f"≤ {high}" if low is None else \
            f"in [{low}, {high}]"
        raise ValueError(f"{where}: {name} must be an integer {bound}, got {v}")
    return v


def positive_int(value: Any, name: str, where: str) -> int:
    """A positive integer (a size, a count, a batch size) — PyTorch's DataLoader raises
    ValueError for any other value, so this does too."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{where}: {name} should be a positive integer value, but got "
                         f"{name}={_show(value)}")
    return int(value)


def size(dims: Sequence[Any], where: str) -> tuple[int, ...]:
    """A tensor shape: non-negative integers (a negative one is PyTorch's RuntimeError)."""
    shape = []
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            raise TypeError(f"{where}: sizes must be integers, got {_show(d)} "
                            f"({type(d).__name__}) in {_show(tuple(dims))}")
        shape.append(int(d))
    if any(d < 0 for d in shape):
        bad = next(d for d in shape if d < 0)
        raise RuntimeError(f"{where}: trying to create a tensor with negative dimension "
                           f"{bad}: {list(shape)}")
    return tuple(shape)


def choice(value: Any, name: str, where: str, choices: Iterable[Any]) -> Any:
    """``value`` if it is one of ``choices``."""
    options = list(choices)
    if value not in options:
        raise ValueError(f"{where}: {name} must be one of {', '.join(map(repr, options))}, "
                         f"got {_show(value)}")
    return value
