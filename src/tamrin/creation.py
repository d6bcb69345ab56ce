"""Making tensors: from data, filled, ranges, and random draws from the library generator.

Every function takes PyTorch's keywords: ``dtype=``, ``requires_grad=``, and ``device=``
(the CPU only: ``tamrin.device``). The ``*_like`` functions copy the shape and dtype of a
tensor, and ``Tensor.new_*`` the dtype of the tensor they are called on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tamrin import validation
from tamrin.device import check as check_device
from tamrin.dtypes import resolve, scalar_type_name
from tamrin.random import default_generator
from tamrin.tensor import DEFAULT_FLOAT, Tensor, as_array


def _size(size: Sequence, where: str = "tensor") -> tuple[int, ...]:
    """``zeros(2, 3)`` and ``zeros((2, 3))`` alike: non-negative integer sizes."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return validation.size(size, where)


def _float_dtype(dtype: Any) -> np.dtype:
    return DEFAULT_FLOAT if dtype is None else resolve(dtype)


def _new(data: np.ndarray, requires_grad: bool, device: Any = None,
         where: str = "tensor") -> Tensor:
    check_device(device, where)
    t = Tensor._make(data)
    return t.requires_grad_(True) if requires_grad else t


def _dtype_or(dtype: Any, default: Any) -> np.dtype:
    return np.dtype(default) if dtype is None else resolve(dtype)


# ---- from data ----------------------------------------------------------------------------

def tensor(data: Any, dtype: Any = None, *, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (float data becomes float32 by default)."""
    return _new(as_array(data, dtype and resolve(dtype), copy=True), requires_grad, device)


def as_tensor(data: Any, dtype: Any = None, *, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory with it where it can (an ndarray or Tensor of
    the requested dtype is not copied)."""
    if isinstance(data, Tensor) and (dtype is None or resolve(dtype) == data.dtype):
        check_device(device, "as_tensor")
        return data
    return _new(as_array(data, dtype and resolve(dtype)), False, device, "as_tensor")


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (its dtype is kept, as PyTorch)."""
    return Tensor._make(np.asarray(array))


def legacy_constructor(dtype: np.dtype) -> Callable[..., Tensor]:
    """``LongTensor(data)`` or ``LongTensor(*sizes)``: PyTorch's typed constructors."""
    name = f"{scalar_type_name(dtype)}Tensor"

    def construct(*args: Any) -> Tensor:
        if args and all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return Tensor._make(np.zeros(validation.size(args, name), dtype))
        if len(args) > 1:
            raise TypeError(f"{name}: expected data or integer sizes, got {args!r}")
        return tensor(args[0] if args else [], dtype=dtype)

    construct.__name__ = construct.__qualname__ = name
    construct.__doc__ = f"A {dtype.name} tensor from data or sizes (``torch.{name}``)."
    construct.dtype = dtype  # type: ignore[attr-defined] - what Tensor.type(LongTensor) reads
    return construct


FloatTensor = legacy_constructor(np.dtype(np.float32))
DoubleTensor = legacy_constructor(np.dtype(np.float64))
HalfTensor = legacy_constructor(np.dtype(np.float16))
LongTensor = legacy_constructor(np.dtype(np.int64))
IntTensor = legacy_constructor(np.dtype(np.int32))
ByteTensor = legacy_constructor(np.dtype(np.uint8))
BoolTensor = legacy_constructor(np.dtype(np.bool_))


# ---- filled -------------------------------------------------------------------------------

def zeros(*size: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros."""
    return _new(np.zeros(_size(size, "zeros"), _float_dtype(dtype)), requires_grad, device)


def ones(*size: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _new(np.ones(_size(size, "ones"), _float_dtype(dtype)), requires_grad, device)


def full(size: Sequence[int], fill_value: Any, dtype: Any = None, *, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value`` (int64 for an int, bool for a bool, as PyTorch)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None and isinstance(fill_value, (bool, int)):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    shape = _size((size,) if isinstance(size, int) else tuple(size), "full")
    return _new(np.full(shape, fill_value, _float_dtype(dtype)), requires_grad, device)


def empty(*size: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (zeros here: NumPy gives no speed-up worth the surprise)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, *, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and dtype) of ``t``."""
    return _new(np.zeros(t.shape, _dtype_or(dtype, t.dtype)), requires_grad, device)


def ones_like(t: Tensor, dtype: Any = None, *, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and dtype) of ``t``."""
    return _new(np.ones(t.shape, _dtype_or(dtype, t.dtype)), requires_grad, device)


def empty_like(t: Tensor, dtype: Any = None, *, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """An uninitialised (here: zero) tensor with the shape (and dtype) of ``t``."""
    return zeros_like(t, dtype, device=device, requires_grad=requires_grad)


def full_like(t: Tensor, fill_value: float, dtype: Any = None, *, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` with the shape (and dtype) of ``t``."""
    return _new(np.full(t.shape, fill_value, _dtype_or(dtype, t.dtype)), requires_grad, device)


# ---- ranges -------------------------------------------------------------------------------

def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None, *,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, end); int64 for integer arguments, as PyTorch."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if ints else DEFAULT_FLOAT
    return _new(np.arange(start, end, step, dtype=resolve(dtype)), requires_grad, device)


def linspace(start: float, end: float, steps: int, dtype: Any = None, *, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from start to end inclusive."""
    return _new(np.linspace(start, end, steps, dtype=_float_dtype(dtype)), requires_grad,
                device)


def eye(n: int, m: int | None = None, dtype: Any = None, *, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix."""
    return _new(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device)


# ---- random draws (the library generator, or ``generator=``) ------------------------------

def _generator(generator: np.random.Generator | None) -> np.random.Generator:
    return default_generator() if generator is None else generator


def randn(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          generator: np.random.Generator | None = None) -> Tensor:
    """Samples of N(0, 1) from the library generator (``tamrin.manual_seed``)."""
    data = _generator(generator).standard_normal(_size(size, "randn"), dtype=np.float64)
    return _new(data.astype(_float_dtype(dtype)), requires_grad, device)


def rand(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
         generator: np.random.Generator | None = None) -> Tensor:
    """Samples of U[0, 1) from the library generator."""
    data = _generator(generator).random(_size(size, "rand"), dtype=np.float64)
    return _new(data.astype(_float_dtype(dtype)), requires_grad, device)


def randint(low: int, high: int | None = None, size: Sequence[int] = (), dtype: Any = None,
            *, device: Any = None, requires_grad: bool = False,
            generator: np.random.Generator | None = None) -> Tensor:
    """Integers uniform in [low, high) (``randint(high, size=…)`` starts at 0)."""
    if high is None:
        low, high = 0, low
    data = _generator(generator).integers(low, high, size=_size(tuple(size), "randint"))
    return _new(data.astype(_dtype_or(dtype, np.int64)), requires_grad, device)


def randperm(n: int, generator: np.random.Generator | None = None, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n−1."""
    data = _generator(generator).permutation(n).astype(_dtype_or(dtype, np.int64))
    return _new(data, requires_grad, device)


def rand_like(t: Tensor, dtype: Any = None, *, device: Any = None, requires_grad: bool = False,
              generator: np.random.Generator | None = None) -> Tensor:
    """U[0, 1) draws with the shape (and dtype) of ``t``."""
    return rand(t.shape, dtype=_dtype_or(dtype, t.dtype), device=device,
                requires_grad=requires_grad, generator=generator)


def randn_like(t: Tensor, dtype: Any = None, *, device: Any = None, requires_grad: bool = False,
               generator: np.random.Generator | None = None) -> Tensor:
    """N(0, 1) draws with the shape (and dtype) of ``t``."""
    return randn(t.shape, dtype=_dtype_or(dtype, t.dtype), device=device,
                 requires_grad=requires_grad, generator=generator)


def randint_like(t: Tensor, low: int, high: int | None = None, dtype: Any = None, *,
                 device: Any = None, requires_grad: bool = False,
                 generator: np.random.Generator | None = None) -> Tensor:
    """Integers uniform in [low, high) with the shape (and dtype) of ``t``."""
    return randint(low, high, t.shape, dtype=_dtype_or(dtype, t.dtype), device=device,
                   requires_grad=requires_grad, generator=generator)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Sequence[int] | None = None, *,
           generator: np.random.Generator | None = None, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Draws of N(mean, std²): numbers with a ``size``, or tensors of means and/or standard
    deviations (one draw per element, broadcasting them), as ``torch.normal``."""
    means = mean._array if isinstance(mean, Tensor) else np.asarray(mean)
    stds = std._array if isinstance(std, Tensor) else np.asarray(std)
    if (stds < 0).any():
        raise RuntimeError(f"normal: expected all std >= 0.0, got {std!r}")
    shape = _size(tuple(size), "normal") if size is not None else \
        np.broadcast_shapes(means.shape, stds.shape)
    if dtype is None:
        tensors = [x.dtype for x in (mean, std) if isinstance(x, Tensor)]
        dtype = np.result_type(*tensors) if tensors else DEFAULT_FLOAT
    z = _generator(generator).standard_normal(shape, dtype=np.float64)
    return _new((z * stds + means).astype(resolve(dtype)), requires_grad, device, "normal")


# ---- Tensor.new_*: new tensors with the dtype of an existing one --------------------------

def new_tensor(t: Tensor, data: Any, dtype: Any = None, *, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """A copy of ``data`` with ``t``'s dtype (unless ``dtype`` is given)."""
    return tensor(data, _dtype_or(dtype, t.dtype), device=device, requires_grad=requires_grad)


def new_zeros(t: Tensor, *size: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Zeros of ``size`` with ``t``'s dtype."""
    return zeros(*size, dtype=_dtype_or(dtype, t.dtype), device=device,
                 requires_grad=requires_grad)


def new_ones(t: Tensor, *size: Any, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """Ones of ``size`` with ``t``'s dtype."""
    return ones(*size, dtype=_dtype_or(dtype, t.dtype), device=device,
                requires_grad=requires_grad)


def new_empty(t: Tensor, *size: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """An uninitialised (here: zero) tensor of ``size`` with ``t``'s dtype."""
    return new_zeros(t, *size, dtype=dtype, device=device, requires_grad=requires_grad)


def new_full(t: Tensor, size: Sequence[int], fill_value: Any, dtype: Any = None, *,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` in a tensor of ``size`` with ``t``'s dtype."""
    return full(size, fill_value, dtype=_dtype_or(dtype, t.dtype), device=device,
                requires_grad=requires_grad)


NEW_METHODS = {"new_tensor": new_tensor, "new_zeros": new_zeros, "new_ones": new_ones,
               "new_empty": new_empty, "new_full": new_full}
