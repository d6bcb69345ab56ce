"""Numbers, vectors and matrices written as TeX for the sheets, and the small random draws
the problems use (numbers a student can compute with: few decimals, no zeros)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tamrin.homework.values import format_number


def number(x: Any, digits: int = 6) -> str:
    """A number in TeX (thousands separated by a thin space)."""
    return format_number(x, digits).replace(",", r"\,")


def matrix(a: Any, digits: int = 6) -> str:
    """A vector (as a column) or a matrix as a TeX bmatrix."""
    a = np.asarray(a)
    rows = a.reshape(-1, 1) if a.ndim == 1 else a.reshape(a.shape[0], -1)
    body = r" \\ ".join(" & ".join(number(v, digits) for v in row) for row in rows)
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


def row(v: Any, digits: int = 6) -> str:
    """A vector as a TeX row vector."""
    return rf"\begin{{bmatrix}} {' & '.join(number(x, digits) for x in np.ravel(v))} " \
           r"\end{bmatrix}"


def value(v: Any, digits: int = 6) -> str:
    """Any value: a number, an array (bmatrix) or a shape (C×H×W)."""
    if isinstance(v, str):
        return v.replace("x", r"\times ")
    if np.ndim(v) == 0:
        return number(v, digits)
    return matrix(v, digits)


def decimals(rng: np.random.Generator, low: float, high: float, size: Any = None,
             places: int = 2) -> Any:
    """Uniform numbers in [low, high] rounded to ``places`` decimals, none of them zero."""
    draw = np.round(rng.uniform(low, high, size), places)
    while np.any(draw == 0):
        draw = np.where(draw == 0, np.round(rng.uniform(low, high, size), places), draw)
    return float(draw) if size is None else draw.tolist()


def integers(rng: np.random.Generator, low: int, high: int, size: Any = None,
             nonzero: bool = False) -> Any:
    """Uniform integers in [low, high] (optionally none zero)."""
    draw = rng.integers(low, high + 1, size)
    while nonzero and np.any(draw == 0):
        draw = np.where(draw == 0, rng.integers(low, high + 1, size), draw)
    return int(draw) if size is None else draw.tolist()


_PLAIN = [(r"\tfrac12", "½"), (r"\partial ", "∂"), (r"\partial", "∂"), (r"\sum_k ", "Σ"),
          (r"\sigma", "σ"), (r"\hat m", "m̂"), (r"\hat v", "v̂"), (r"\hat y", "ŷ"),
          (r"\theta", "θ"), (r"\lVert ", "‖"), (r"\rVert", "‖"), (r"\mathrm", ""),
          (r"\sqrt", "√"), (r"\pm ", "±"), (r"\,", ""), (r"\_", "_"), ("{", ""), ("}", ""),
          ("$", ""), ("`", "")]


def plain(text: str) -> str:
    """Sheet text with its common TeX spelled in Unicode, for TOML comments."""
    for macro, char in _PLAIN:
        text = text.replace(macro, char)
    return text.replace("\n", " ")
