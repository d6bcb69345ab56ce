"""Regression metrics (scikit-learn's definitions), per output column then averaged.

    MSE = (1/n) Σ (yᵢ − ŷᵢ)²      MAE = (1/n) Σ |yᵢ − ŷᵢ|
    R²  = 1 − Σ (yᵢ − ŷᵢ)² / Σ (yᵢ − ȳ)²   (1 for a perfect fit, 0 for predicting ȳ;
          a constant y gives 1 if predicted exactly, else 0)

``multioutput``: 'uniform_average' (mean over outputs), 'raw_values' (one per output), or
for R² also 'variance_weighted' (weighted by each output's variance).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tamrin.metrics._checks import UndefinedMetricWarning, check_finite
from tamrin.tensor import Tensor


def _columns(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t, p = (np.asarray(a._array if isinstance(a, Tensor) else a, dtype=np.float64)
            for a in (y_true, y_pred))
    if t.size == 0 or p.size == 0:
        raise ValueError("y_true and y_pred are empty: a metric needs at least one sample")
    t, p = (a.reshape(len(a), -1) if a.ndim else a.reshape(1, 1) for a in (t, p))
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred have different shapes: {t.shape} and {p.shape}")
    check_finite(t, "y_true")
    check_finite(p, "y_pred")
    return t, p


def _average(values: np.ndarray, multioutput: str, weights: np.ndarray | None = None) -> Any:
    if multioutput == "raw_values":
        return values
    if multioutput == "uniform_average":
        return float(np.mean(values))
    if multioutput == "variance_weighted" and weights is not None:
        return float(np.average(values, weights=weights))
    raise ValueError(f"multioutput must be 'raw_values' or 'uniform_average'"
                     f"{' or variance_weighted' if weights is not None else ''}, got "
                     f"{multioutput!r}")


def mean_squared_error(y_true: Any, y_pred: Any, *,
                       multioutput: str = "uniform_average") -> Any:
    """MSE = mean of (y − ŷ)²."""
    t, p = _columns(y_true, y_pred)
    return _average(np.mean((t - p) ** 2, axis=0), multioutput)


def mean_absolute_error(y_true: Any, y_pred: Any, *,
                        multioutput: str = "uniform_average") -> Any:
    """MAE = mean of |y − ŷ|."""
    t, p = _columns(y_true, y_pred)
    return _average(np.mean(np.abs(t - p), axis=0), multioutput)


def r2_score(y_true: Any, y_pred: Any, *, multioutput: str = "uniform_average") -> Any:
    """Coefficient of determination R² = 1 − SS_res / SS_tot."""
    t, p = _columns(y_true, y_pred)
    if len(t) < 2:
        warnings.warn("R² is not well-defined with fewer than two samples",
                      UndefinedMetricWarning, stacklevel=2)
        return float("nan")
    ss_res = np.sum((t - p) ** 2, axis=0)
    ss_tot = np.sum((t - t.mean(axis=0)) ** 2, axis=0)
    constant = ss_tot == 0
    r2 = np.where(constant, np.where(ss_res == 0, 1.0, 0.0),
                  1 - ss_res / np.where(constant, 1.0, ss_tot))
    if multioutput == "variance_weighted" and constant.all():
        return float(1.0 if (ss_res == 0).all() else 0.0)
    return _average(r2, multioutput, weights=ss_tot)
