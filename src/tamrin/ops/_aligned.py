"""Outputs on 64-byte boundaries for element-wise arithmetic on mid-size arrays.

glibc's malloc, which NumPy uses, aligns blocks on 16 bytes only, so three times in four a new
array starts inside a 64-byte cache line, and NumPy's SIMD loops then split stores across two
lines. Measured on this machine kind (one process, one thread), ``np.add(a, b, out=o)`` on
256×256 float32: 7.5 µs with ``o`` 64-byte aligned, 13.5–14.7 µs with ``o`` at 16, 32 or 48
bytes past a boundary; ``np.add(a, b)`` 13.5–14.4 µs; allocating an aligned buffer per call
and adding into it 8.9 µs (PyTorch's allocator aligns every tensor on 64 bytes). Below
``ALIGN_FROM_BYTES`` finding the address costs more than the split stores.

That was an Intel Xeon (AVX-512). On an AMD EPYC (Zen 4, whose 512-bit stores are two 256-bit
halves anyway) the same measurement shows no penalty for unaligned outputs (7.8 µs either
way) and the aligned buffer makes a 256×256 tensor add 2 µs *slower* (12.9 against 10.8 µs),
so outputs are aligned only on Intel CPUs (``ALIGN_OUTPUTS``, read from /proc/cpuinfo once).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

import numpy as np

ALIGNMENT = 64
ALIGN_FROM_BYTES = 48 * 2**10
# Ufuncs whose result has the dtype of two equal-dtype floating operands.
SAME_DTYPE_UFUNCS = frozenset({np.add, np.subtract, np.multiply, np.divide})

_address_of = ctypes.addressof
_bytes_of = ctypes.c_char.from_buffer


def cpu_is_intel(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether ``cpuinfo`` names an Intel CPU (False where it cannot be read: not Linux)."""
    try:
        with open(cpuinfo, encoding="ascii", errors="replace") as f:
            vendor = next((line for line in f if line.startswith("vendor_id")), "")
    except OSError:
        return False
    return vendor.split(":", 1)[-1].strip() == "GenuineIntel"


ALIGN_OUTPUTS = cpu_is_intel()


def aligned_empty(shape: tuple[int, ...], dtype: np.dtype, nbytes: int) -> np.ndarray:
    """An uninitialised C-contiguous ``nbytes``-byte array whose data starts on a 64-byte
    boundary (a view into a slightly larger byte buffer, kept alive as its ``base``)."""
    raw = np.empty(nbytes + ALIGNMENT, np.uint8)
    offset = -_address_of(_bytes_of(raw)) % ALIGNMENT
    return np.ndarray(shape, dtype, raw, offset)


def elementwise(ufunc: Callable, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``ufunc(a, b)``; into an aligned output when outputs are aligned on this CPU and both
    are floating arrays of one shape and dtype, at least ``ALIGN_FROM_BYTES`` long, and
    ``ufunc`` keeps their dtype."""
    if (ALIGN_OUTPUTS and type(a) is np.ndarray and type(b) is np.ndarray
            and a.nbytes >= ALIGN_FROM_BYTES
            and a.shape == b.shape and a.dtype == b.dtype and a.dtype.kind == "f"
            and ufunc in SAME_DTYPE_UFUNCS):
        return ufunc(a, b, out=aligned_empty(a.shape, a.dtype, a.nbytes))
    return ufunc(a, b)
