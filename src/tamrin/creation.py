"""Making tensors: from data, filled, ranges, and random draws from the library generator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tamrin import validation
from tamrin.random import default_generator
from tamrin.tensor import DEFAULT_FLOAT, Tensor, as_array


def _size(size: Sequence, where: str = "tensor") -> tuple[int, ...]:
    """``zeros(2, 3)`` and ``zeros((2, 3))`` alike: non-negative integer sizes."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return validation.size(size, where)


def _float_dtype(dtype: Any) -> np.dtype:
    return DEFAULT_FLOAT if dtype is None else np.dtype(dtype)


def _new(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(data)
    return t.requires_grad_(True) if requires_grad else t


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (float data becomes float32 by default)."""
    return _new(as_array(data, dtype, copy=True), requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (its dtype is kept, as PyTorch)."""
    return Tensor._make(np.asarray(array))


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros."""
    return _new(np.zeros(_size(size, "zeros"), _float_dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _new(np.ones(_size(size, "ones"), _float_dtype(dtype)), requires_grad)


def full(size: Sequence[int], fill_value: float, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``."""
    if dtype is None and isinstance(fill_value, (bool, int)) and not isinstance(fill_value, float):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    shape = _size((size,) if isinstance(size, int) else tuple(size), "full")
    return _new(np.full(shape, fill_value, _float_dtype(dtype)), requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (zeros here: NumPy gives no speed-up worth the surprise)."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and dtype) of ``t``."""
    return _new(np.zeros(t.shape, dtype or t.dtype), requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and dtype) of ``t``."""
    return _new(np.ones(t.shape, dtype or t.dtype), requires_grad)


def full_like(t: Tensor, fill_value: float, dtype: Any = None,
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` with the shape (and dtype) of ``t``."""
    return _new(np.full(t.shape, fill_value, dtype or t.dtype), requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, end); int64 for integer arguments, as PyTorch."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, int) for v in (start, end, step))
        dtype = np.int64 if ints else DEFAULT_FLOAT
    return _new(np.arange(start, end, step, dtype=dtype), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from start to end inclusive."""
    return _new(np.linspace(start, end, steps, dtype=_float_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix."""
    return _new(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def _generator(generator: np.random.Generator | None) -> np.random.Generator:
    return default_generator() if generator is None else generator


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False,
          generator: np.random.Generator | None = None) -> Tensor:
    """Samples of N(0, 1) from the library generator (``tamrin.manual_seed``)."""
    data = _generator(generator).standard_normal(_size(size, "randn"), dtype=np.float64)
    return _new(data.astype(_float_dtype(dtype)), requires_grad)


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False,
         generator: np.random.Generator | None = None) -> Tensor:
    """Samples of U[0, 1) from the library generator."""
    data = _generator(generator).random(_size(size, "rand"), dtype=np.float64)
    return _new(data.astype(_float_dtype(dtype)), requires_grad)


def randint(low: int, high: int | None = None, size: Sequence[int] = (), dtype: Any = None,
            generator: np.random.Generator | None = None) -> Tensor:
    """Integers uniform in [low, high) (``randint(high, size=…)`` starts at 0)."""
    if high is None:
        low, high = 0, low
    data = _generator(generator).integers(low, high, size=_size(tuple(size), "randint"))
    return Tensor._make(data.astype(dtype or np.int64))


def randperm(n: int, generator: np.random.Generator | None = None) -> Tensor:
    """A random permutation of 0..n−1."""
    return Tensor._make(_generator(generator).permutation(n).astype(np.int64))
