"""The total of a large floating array through BLAS, and a finiteness test built on it.

Σ of every element of A (rows × columns, C order) is ones·A, a BLAS matrix-vector product that
sums every column down the rows, followed by NumPy's pairwise sum of the row of column sums.
gemv streams memory at full speed where NumPy's pairwise reduction does not: measured on
512×512 float32 (1 thread) 15 µs against 41 µs (PyTorch 14 µs), on 256×256 4.3 against
10.8 µs; at 64×64 (4,096 elements) NumPy's 1.7 µs is still faster than 2.0 µs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

BLAS_SUM_FROM = 2**14  # elements: below this NumPy's own sum is as fast
# The running column sums have at most this many terms, which keeps their float32 rounding
# error near that of the pairwise sum (typically √rows·ε of Σ|a|).
BLAS_SUM_MAX_ROWS = 1024


def blas_sum(a: np.ndarray) -> Any:
    """Σ of every element of ``a`` as ones·A (a NumPy scalar of ``a``'s dtype), or None where
    that does not pay or does not apply: small, non-contiguous or non-float32/64 arrays, or
    more than ``BLAS_SUM_MAX_ROWS`` rows of the last axis."""
    if (a.size >= BLAS_SUM_FROM and a.ndim >= 2 and a.flags.c_contiguous
            and (a.dtype == np.float32 or a.dtype == np.float64)):
        rows = a.size // a.shape[-1]
        if rows <= BLAS_SUM_MAX_ROWS:
            return np.matmul(np.ones(rows, a.dtype), a.reshape(rows, -1)).sum()
    return None


def all_finite(a: np.ndarray) -> bool:
    """Whether no element of ``a`` is NaN or ±Inf. A NaN or an Inf anywhere makes the total
    NaN or ±Inf, so a finite ``blas_sum`` proves it in one fast pass; otherwise (a small
    array, or a total that overflowed from finite values) every element is tested."""
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is an answer here
        total = blas_sum(a)
    if total is not None and np.isfinite(total):
        return True
    return bool(np.isfinite(a).all())
