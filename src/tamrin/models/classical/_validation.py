"""Input checks shared by the classical estimators, in scikit-learn's style.

Every message names the estimator, the shapes involved and what was expected, e.g.
``LinearRegression.fit: X has 3 rows but y has 4; expected one target per row of X``.
NumPy arrays, lists and tamrin Tensors are all accepted (``np.asarray`` reads a Tensor).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class NotFittedError(ValueError, AttributeError):
    """Raised when ``predict``/``score``… is called before ``fit`` (as scikit-learn's)."""


class ConvergenceWarning(UserWarning):
    """An iterative fit stopped at ``max_iter`` before its stopping rule was met."""


def _where(estimator: Any, method: str) -> str:
    name = estimator if isinstance(estimator, str) else type(estimator).__name__
    return f"{name}.{method}" if method else name


def assert_all_finite(X: np.ndarray, where: str, name: str = "X") -> None:
    """Reject NaN and ±inf. A single ``sum`` decides the usual (finite) case in one pass."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(X.sum()):
            return
    n_nan = int(np.isnan(X).sum())
    n_inf = int(np.isinf(X).sum())
    if n_nan or n_inf:  # the sum may overflow on finite but huge values: then X is fine
        raise ValueError(
            f"{where}: {name} of shape {X.shape} contains {n_nan} NaN and {n_inf} infinite "
            f"value(s); expected finite numbers (impute or drop them first)"
        )


def check_array(X: Any, estimator: Any, method: str = "fit", name: str = "X") -> np.ndarray:
    """``X`` as a finite, 2-D float64 array of at least one row and one column."""
    where = _where(estimator, method)
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{where}: {name} could not be read as float64 numbers ({err})") from err
    if arr.ndim != 2:
        hint = (" (reshape a single feature with X.reshape(-1, 1), a single sample with "
                "X.reshape(1, -1))") if arr.ndim == 1 else ""
        raise ValueError(
            f"{where}: expected a 2-D {name} of shape (n_samples, n_features), got "
            f"{arr.ndim}-D with shape {arr.shape}{hint}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{where}: {name} of shape {arr.shape} is empty; expected at least "
                         f"one sample and one feature")
    assert_all_finite(arr, where, name)
    return arr


def check_X_y(X: Any, y: Any, estimator: Any, multi_output: bool = False,
              y_numeric: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``X`` (as ``check_array``) and ``y``: 1-D (or 2-D if ``multi_output``) with
    one entry per row of ``X``; finite when numeric."""
    X = check_array(X, estimator, "fit")
    where = _where(estimator, "fit")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1 and not multi_output:
        y = y[:, 0]
    allowed = (1, 2) if multi_output else (1,)
    if y.ndim not in allowed:
        want = "1-D (n_samples,) or 2-D (n_samples, n_targets)" if multi_output else \
            "1-D (n_samples,)"
        raise ValueError(f"{where}: expected y {want}, got shape {y.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{where}: X has {X.shape[0]} rows (shape {X.shape}) but y has {y.shape[0]} "
            f"(shape {y.shape}); expected one target per row of X"
        )
    if y_numeric:
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{where}: y could not be read as float64 numbers ({err})") \
                from err
        assert_all_finite(y, where, "y")
    return X, y


def check_is_fitted(estimator: Any, attribute: str = "coef_") -> None:
    """Raise ``NotFittedError`` unless ``fit`` has set ``attribute``."""
    if not hasattr(estimator, attribute):
        name = type(estimator).__name__
        raise NotFittedError(
            f"This {name} instance is not fitted yet; call {name}.fit(X, y) before using "
            f"this method"
        )


def check_n_features(X: Any, estimator: Any, method: str) -> np.ndarray:
    """Validate ``X`` at predict time: fitted estimator, same number of features as in fit."""
    check_is_fitted(estimator)
    X = check_array(X, estimator, method)
    expected = estimator.n_features_in_
    if X.shape[1] != expected:
        raise ValueError(
            f"{_where(estimator, method)}: X has {X.shape[1]} features (shape {X.shape}) but "
            f"{type(estimator).__name__} was fitted with {expected}; expected "
            f"(n_samples, {expected})"
        )
    return X


def check_choice(value: str, choices: tuple[str, ...], estimator: Any, param: str) -> str:
    """``value`` if it is one of ``choices``, else an error naming all of them."""
    if value not in choices:
        raise ValueError(
            f"{_where(estimator, '')}: unknown {param}={value!r}; expected one of "
            f"{', '.join(repr(c) for c in choices)}"
        )
    return value


def encode_labels(y: np.ndarray, estimator: Any) -> tuple[np.ndarray, np.ndarray]:
    """(classes_, index of each label in classes_) for class labels of any sortable type;
    at least two classes are required."""
    classes, indices = np.unique(y, return_inverse=True)
    if y.dtype.kind == "f" and not np.all(classes == np.round(classes)):
        raise ValueError(f"{_where(estimator, 'fit')}: y holds continuous values "
                         f"{classes[:5]}…; expected class labels (use a regressor)")
    if len(classes) < 2:
        raise ValueError(f"{_where(estimator, 'fit')}: y holds a single class "
                         f"{classes.tolist()}; expected samples of at least 2 classes")
    return classes, indices.reshape(-1)
