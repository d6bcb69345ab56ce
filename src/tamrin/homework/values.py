"""Answer values: what a quantity's value can be, how an untrusted answer becomes one, and
when a given value counts as the expected one.

Three kinds of value::

    number   a TOML integer or float                       0.5933, 2592
    array    nested TOML arrays of numbers (a matrix)      [[0.1, 0.2], [0.3, 0.4]]
    shape    a string "C×H×W" or "N" (x, X, × or * between sizes; an integer for "N")

A given value is correct when, element by element, |given − expected| ≤ rtol·|expected|
(+ 1e-12, so an exact 0 can be matched), or when it equals the expected value rounded to
4 significant digits. Arrays are compared with their length-1 axes dropped, so a 1×3 row
may be written [a, b, c]; an array of another shape is a wrong answer (a transposed matrix
is a mistake the checker names), not an unreadable one.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

Value = Any  # int | float | str | nested lists of numbers

KINDS = ("number", "array", "shape")
RTOL = 1e-3  # default relative tolerance of `check`
ATOL = 1e-12  # so that an expected exact zero can be answered
SIGNIFICANT = 4  # an answer rounded to this many significant digits is correct
MAX_ABS = 1e100  # larger answers are rejected as unreadable, not compared
MAX_ELEMENTS = 10_000  # larger arrays are rejected (no quantity has more elements)

_SHAPE = re.compile(r"^\s*\d+(\s*[x×*,]\s*\d+)*\s*$", re.IGNORECASE)


class ValueProblem(ValueError):
    """An answer that cannot be read as a value of its quantity's kind (the message says
    what was expected; the caller adds the file, problem and key)."""


# ---- reading untrusted answers -------------------------------------------------------------

def parse_answer(raw: Any, kind: str) -> Value | None:
    """The value of an answer as read from TOML, or None when unanswered (``""``).

    Raises ``ValueProblem`` for a value of the wrong type, NaN or infinity, a number beyond
    ±1e100, a ragged or oversized array, or a shape string that is not ``C×H×W``/``N``."""
    if isinstance(raw, str) and not raw.strip():
        return None
    if kind == "number":
        return _number(raw)
    if kind == "array":
        return _array(raw)
    if kind == "shape":
        return _shape(raw)
    raise ValueError(f"unknown value kind {kind!r}")


def _describe(raw: Any) -> str:
    text = repr(raw)
    return f"{type(raw).__name__} {text[:40]}{'…' if len(text) > 40 else ''}"


def _number(raw: Any) -> float | int:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        hint = " (write numbers without quotes)" if isinstance(raw, str) else ""
        raise ValueProblem(f"expected a number, got {_describe(raw)}{hint}")
    if isinstance(raw, int) and abs(raw) > MAX_ABS:
        raise ValueProblem(f"the number {str(raw)[:20]}… is too large (more than 1e100)")
    if not math.isfinite(raw):
        raise ValueProblem(f"{raw!r} is not a valid answer (expected a finite number)")
    if abs(raw) > MAX_ABS:
        raise ValueProblem(f"the number {raw!r} is too large (more than 1e100)")
    return raw


def _array(raw: Any) -> Value:
    if not isinstance(raw, list):
        return _number(raw)  # a single number answers a one-element array
    shape = _nested_shape(raw, depth=0)
    if math.prod(shape) > MAX_ELEMENTS:
        raise ValueProblem(f"the array has {math.prod(shape)} elements (at most "
                           f"{MAX_ELEMENTS})")
    return raw


def _nested_shape(raw: list, depth: int) -> tuple[int, ...]:
    """The shape of a rectangular nested list of numbers (checking every element)."""
    if depth > 8:
        raise ValueProblem("the array is nested more than 8 levels deep")
    if not raw:
        raise ValueProblem("empty array (write the numbers, or \"\" to leave it unanswered)")
    if all(isinstance(item, list) for item in raw):
        shapes = {_nested_shape(item, depth + 1) for item in raw}
        if len(shapes) > 1:
            raise ValueProblem("the rows of the array have different lengths")
        return (len(raw), *shapes.pop())
    if any(isinstance(item, list) for item in raw):
        raise ValueProblem("the array mixes numbers and rows")
    for item in raw:
        try:
            _number(item)
        except ValueProblem as e:
            raise ValueProblem(f"array element: {e}") from None
    if len(raw) > MAX_ELEMENTS:
        raise ValueProblem(f"the array has {len(raw)} elements (at most {MAX_ELEMENTS})")
    return (len(raw),)


def _shape(raw: Any) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw <= MAX_ABS:
        return str(raw)
    if not isinstance(raw, str) or not _SHAPE.match(raw) or len(raw) > 100:
        raise ValueProblem(f"expected a shape such as \"32x120x120\" or \"3\", got "
                           f"{_describe(raw)}")
    return format_shape(shape_tuple(raw))


def shape_tuple(text: str) -> tuple[int, ...]:
    """(32, 120, 120) from "32x120x120" (also ×, *, commas, spaces)."""
    return tuple(int(n) for n in re.split(r"[x×*,]", text.lower().replace(" ", "")))


def format_shape(shape: tuple[int, ...]) -> str:
    """"32x120x120" (the answer files' spelling)."""
    return "x".join(str(int(n)) for n in shape)


# ---- comparing -----------------------------------------------------------------------------

def round_significant(x: np.ndarray, digits: int = SIGNIFICANT) -> np.ndarray:
    """x rounded to ``digits`` significant digits, element-wise (0 stays 0)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.where(x == 0, 0, np.floor(np.log10(np.abs(np.where(x == 0, 1, x)))))
    scale = 10.0 ** (digits - 1 - exponent)
    return np.round(x * scale) / scale


def _squeezed(value: Value) -> np.ndarray:
    return np.squeeze(np.asarray(value, dtype=float))


def close(given: Value, expected: Value, rtol: float = RTOL) -> bool:
    """Whether ``given`` counts as ``expected`` (see the module docstring)."""
    if isinstance(expected, str):
        return isinstance(given, str) and shape_tuple(given) == shape_tuple(expected)
    if isinstance(given, str):
        return False
    g, e = _squeezed(given), _squeezed(expected)
    if g.shape != e.shape:
        return False
    within = np.abs(g - e) <= rtol * np.abs(e) + ATOL
    rounded = g == round_significant(e)
    return bool(np.all(within | rounded))


def differs(a: Value, b: Value, margin: float) -> bool:
    """Whether two values are told apart by more than ``margin`` (relative to the larger
    magnitude) in at least one element — used to keep drawn numbers away from near-ties."""
    if isinstance(a, str) or isinstance(b, str):
        return not (isinstance(a, str) and isinstance(b, str)
                    and shape_tuple(a) == shape_tuple(b))
    x, y = _squeezed(a), _squeezed(b)
    if x.shape != y.shape:
        return True
    return bool(np.any(np.abs(x - y) > margin * np.maximum(np.abs(x), np.abs(y)) + ATOL))


def near_tie(a: Value, b: Value, same: float, apart: float) -> bool:
    """Neither the same (to ``same``) nor told apart (by ``apart``): an ambiguous pair."""
    return differs(a, b, same) and not differs(a, b, apart)


# ---- writing -------------------------------------------------------------------------------

def plain(value: Any) -> Value:
    """A JSON/TOML-ready value: Python int/float/str or nested lists of them."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    array = np.asarray(value)
    if array.dtype.kind in "iu":
        return array.tolist()
    return array.astype(float).tolist()


def format_number(x: float | int, digits: int = 6) -> str:
    """A number as a person writes it: integers exactly, others to ``digits`` significant
    digits (no exponent between 1e-5 and 1e9)."""
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return f"{int(x):,}" if abs(x) >= 10_000 else str(int(x))
    x = float(x)
    if x == int(x) and abs(x) < 1e9:
        return str(int(x))
    text = f"{x:.{digits}g}"
    if "e" in text and 1e-5 <= abs(x) < 1e9:
        text = f"{x:.{digits + 6}f}".rstrip("0")
    return text


def format_value(value: Value) -> str:
    """A value on one line: a number, a shape, or nested brackets."""
    if isinstance(value, str):
        return value.replace("x", "×")
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return format_number(value)
