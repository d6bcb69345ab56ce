"""Feature scaling fitted on the training data only, then applied to any data (no leakage).

Both scalers are one affine map y = (x − shift)·factor + offset whose constants come from
``fit(X_train)``; calling a scaler that was never fitted is an error, so test statistics
can never slip into the constants by accident.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tamrin.creation import as_tensor
from tamrin.tensor import Tensor


def _dims(dim: int | Sequence[int]) -> tuple[int, ...]:
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if 0 not in dims:
        raise ValueError(f"a scaler's statistics are taken over the samples: dim must include "
                         f"0, got {dim}")
    return dims


class _AffineScaler:
    """y = (x − shift)·factor + offset, with the constants set by ``fit``."""

    def __init__(self, dim: int | Sequence[int]) -> None:
        self.dim = _dims(dim)
        self.shift: np.ndarray | None = None
        self.factor: np.ndarray | None = None
        self.offset = 0.0

    def _stats(self, X: np.ndarray) -> None:
        raise NotImplementedError

    def _reduce(self, X: np.ndarray, fn: Any) -> np.ndarray:
        """``fn`` over the sample axes, kept so that the result broadcasts on one sample."""
        return fn(X, axis=self.dim, keepdims=True)[0]

    def fit(self, X: Any) -> _AffineScaler:
        """Learn the statistics from ``X`` (the training data only)."""
        arr = np.asarray(X._array if isinstance(X, Tensor) else X, dtype=np.float64)
        self._stats(arr)
        return self

    def __call__(self, X: Any) -> Any:
        """Scale a batch or a single sample with the fitted statistics."""
        if self.shift is None:
            raise RuntimeError(f"{type(self).__name__}: call fit(X_train) first (the "
                               "statistics must come from the training data only)")
        is_tensor = isinstance(X, Tensor)
        arr = np.asarray(X._array if is_tensor else X)
        dtype = arr.dtype if arr.dtype.kind == "f" else np.float32
        out = ((arr - self.shift) * self.factor + self.offset).astype(dtype)
        return as_tensor(out, dtype=dtype) if is_tensor else out

    transform = __call__

    def fit_transform(self, X: Any) -> Any:
        return self.fit(X)(X)


class Standardize(_AffineScaler):
    """z = (x − μ)/σ with μ, σ the training mean and (population) standard deviation.

    ``dim`` names the axes the statistics are taken over: 0 (per feature) by default,
    ``(0, 2, 3)`` for one mean per channel of N×C×H×W images. A constant feature (σ = 0)
    is only centred. ``mean``/``std`` may be given instead of fitted.
    """

    def __init__(self, mean: Any = None, std: Any = None,
                 dim: int | Sequence[int] = 0) -> None:
        super().__init__(dim)
        if (mean is None) != (std is None):
            raise ValueError("Standardize: give both mean and std, or neither (then fit)")
        if mean is not None:
            self.shift = np.asarray(mean, dtype=np.float64)
            self.factor = 1.0 / np.asarray(std, dtype=np.float64)

    def _stats(self, X: np.ndarray) -> None:
        std = self._reduce(X, np.std)
        self.shift = self._reduce(X, np.mean)
        self.factor = 1.0 / np.where(std == 0, 1.0, std)

    @property
    def mean(self) -> np.ndarray | None:
        return self.shift

    @property
    def std(self) -> np.ndarray | None:
        return None if self.factor is None else 1.0 / self.factor

    def __repr__(self) -> str:
        return f"Standardize(dim={self.dim})"


class MinMaxScale(_AffineScaler):
    """x' = (x − min)/(max − min)·(b − a) + a, mapping the training range onto (a, b)."""

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0),
                 dim: int | Sequence[int] = 0) -> None:
        super().__init__(dim)
        lo, hi = feature_range
        if not lo < hi:
            raise ValueError(f"MinMaxScale: feature_range must be increasing, got "
                             f"{feature_range}")
        self.feature_range = (float(lo), float(hi))
        self.offset = float(lo)

    def _stats(self, X: np.ndarray) -> None:
        lo, hi = self.feature_range
        self.shift = self._reduce(X, np.min)
        span = self._reduce(X, np.max) - self.shift
        self.factor = (hi - lo) / np.where(span == 0, 1.0, span)

    def __repr__(self) -> str:
        return f"MinMaxScale(feature_range={self.feature_range}, dim={self.dim})"
