"""Input checks shared by the metrics: 1-d label arrays of equal length, not empty and
without NaN/Inf, labels that are not continuous values, and the ``zero_division`` rule for
a ratio whose denominator is 0."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tamrin.tensor import Tensor

ZeroDivision = str | float


class UndefinedMetricWarning(UserWarning):
    """A metric was 0/0 (e.g. precision of a class that is never predicted)."""


def as_1d(y: Any, name: str) -> np.ndarray:
    arr = np.asarray(y._array if isinstance(y, Tensor) else y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-d (one label or value per sample), got shape "
                         f"{arr.shape}")
    return arr


def check_pair(y_true: Any, y_pred: Any, pred_name: str = "y_pred") -> tuple[np.ndarray,
                                                                               np.ndarray]:
    t, p = as_1d(y_true, "y_true"), as_1d(y_pred, pred_name)
    if len(t) != len(p):
        raise ValueError(f"y_true and {pred_name} have different numbers of samples: "
                         f"{len(t)} and {len(p)}")
    if len(t) == 0:
        raise ValueError(f"y_true and {pred_name} are empty: a metric needs at least one "
                         "sample")
    check_finite(t, "y_true")
    check_finite(p, pred_name)
    return t, p


def check_finite(arr: np.ndarray, name: str) -> None:
    """NaN or ±Inf in a numeric input is an error (scikit-learn: "Input contains NaN")."""
    if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
        bad = int(np.size(arr) - np.isfinite(arr).sum())
        raise ValueError(f"{name} contains NaN or infinity ({bad} of {arr.size} values)")


def check_labels(t: np.ndarray, p: np.ndarray, pred_name: str = "y_pred") -> None:
    """Class labels, not continuous values: float labels must be whole numbers (a model's
    scores or probabilities must be turned into labels first, e.g. by argmax)."""
    for arr, name in ((t, "y_true"), (p, pred_name)):
        if arr.dtype.kind in "fc" and np.any(arr != np.round(arr)):
            raise ValueError(f"{name} holds continuous values (e.g. {arr[arr != np.round(arr)][0]})"
                             "; classification metrics take class labels — threshold or "
                             "argmax the scores first")


def zero_division_value(zero_division: ZeroDivision) -> float:
    if isinstance(zero_division, str):
        if zero_division != "warn":
            raise ValueError(f"zero_division must be 'warn', 0.0, 1.0 or nan, got "
                             f"{zero_division!r}")
        return 0.0
    value = float(zero_division)
    if not (value in (0.0, 1.0) or np.isnan(value)):
        raise ValueError(f"zero_division must be 'warn', 0.0, 1.0 or nan, got {zero_division}")
    return value


def divide(numerator: np.ndarray, denominator: np.ndarray, zero_division: ZeroDivision,
           what: str) -> np.ndarray:
    """numerator / denominator, with ``zero_division`` wherever the denominator is 0
    (warning when it is 'warn', as scikit-learn does)."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    zero = denominator == 0
    out = numerator / np.where(zero, 1.0, denominator)
    if zero.any():
        out[zero] = zero_division_value(zero_division)
        if zero_division == "warn":
            warnings.warn(f"{what} is ill-defined (0/0) for some labels and set to 0.0; use "
                          "the zero_division parameter to control this", UndefinedMetricWarning,
                          stacklevel=4)
    return out
