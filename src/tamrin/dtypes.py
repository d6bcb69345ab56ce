"""Dtypes with PyTorch's names, and PyTorch's type strings.

A tamrin dtype *is* a NumPy dtype: ``tamrin.float32 == np.float32``. PyTorch's short names
are aliases of them (``tamrin.float`` is float32, ``tamrin.double`` float64, ``tamrin.long``
int64, ``tamrin.int`` int32, ``tamrin.bool`` bool …), so ``x.dtype == tamrin.float`` reads as
in PyTorch. Printing a dtype gives NumPy's name (``float32`` where PyTorch prints
``torch.float32``).

``Tensor.type()`` answers with PyTorch's legacy type strings (``'torch.FloatTensor'``); the
typed constructors of old PyTorch code (``tamrin.LongTensor([...])``) live in ``creation``.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

# PyTorch's aliases. They shadow Python's float/int/bool in this module only: below,
# Python's own are reached as builtins.float … .
half = float16
float = float32  # noqa: A001
double = float64
short = int16
int = int32  # noqa: A001
long = int64
bool = bool_  # noqa: A001

# PyTorch's scalar-type names, as its error messages and type strings spell them
_SCALAR_NAMES = {float16: "Half", float32: "Float", float64: "Double", int8: "Char",
                 int16: "Short", int32: "Int", int64: "Long", uint8: "Byte", bool_: "Bool"}
_BY_TYPE_STRING = {f"torch.{name}Tensor": dtype for dtype, name in _SCALAR_NAMES.items()}


def scalar_type_name(dtype: Any) -> str:
    """PyTorch's name of a dtype's scalar type: float32 → ``'Float'``, int64 → ``'Long'``."""
    dtype = np.dtype(dtype)
    return _SCALAR_NAMES.get(dtype, dtype.name)


def type_string(dtype: Any) -> str:
    """PyTorch's legacy tensor type string: float32 → ``'torch.FloatTensor'``."""
    return f"torch.{scalar_type_name(dtype)}Tensor"


def resolve(dtype: Any) -> np.dtype:
    """A dtype from a dtype, a NumPy type, a type string (``'torch.LongTensor'``) or a
    legacy constructor (``tamrin.LongTensor``)."""
    if isinstance(dtype, str) and dtype in _BY_TYPE_STRING:
        return _BY_TYPE_STRING[dtype]
    if callable(dtype) and isinstance(getattr(dtype, "dtype", None), np.dtype):
        return dtype.dtype
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"invalid dtype {dtype!r}: expected a dtype (tamrin.float32 …) or a "
                        f"type string such as 'torch.FloatTensor'") from None


def can_cast(from_dtype: Any, to_dtype: Any) -> builtins.bool:
    """PyTorch's rule for writing a result into an existing tensor: no floating result into
    an integer tensor and no number into a bool tensor (narrower widths of the same kind
    are allowed: float64 → float32, int64 → uint8)."""
    rank = {"b": 0, "u": 1, "i": 1, "f": 2}
    return rank[np.dtype(from_dtype).kind] <= rank[np.dtype(to_dtype).kind]
