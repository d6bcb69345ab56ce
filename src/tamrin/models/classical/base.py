"""What every classical estimator shares: parameters, scores and the linear decision.

- ``BaseEstimator``: ``get_params``/``set_params`` read from ``__init__``'s signature (as
  scikit-learn), and a ``repr`` that lists the parameters that differ from their defaults.
- ``RegressorMixin.score``: the coefficient of determination R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)².
- ``ClassifierMixin.score``: accuracy, the fraction of ``predict(X) == y``.
- ``LinearModel``: the decision z = X·coef_ᵀ + intercept_ and how fitted weights are stored.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from tamrin.models.classical._validation import check_n_features


class BaseEstimator:
    """Parameters are the keyword arguments of ``__init__``, stored under the same names."""

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        kinds = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        return [p.name for p in sig.parameters.values() if p.name != "self" and p.kind in kinds]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters and their current values."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> BaseEstimator:
        """Set constructor parameters by name (unknown names are an error); returns self."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"{type(self).__name__}.set_params: unknown parameter "
                                 f"{name!r}; valid parameters are {', '.join(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        sig = inspect.signature(type(self).__init__)
        changed = [f"{k}={v!r}" for k, v in self.get_params().items()
                   if not _same(v, sig.parameters[k].default)]
        return f"{type(self).__name__}({', '.join(changed)})"


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b


class LinearModel(BaseEstimator):
    """z = X·coef_ᵀ + intercept_ ; ``coef_`` is (n_features,) for one output and
    (n_outputs, n_features) for several, as in scikit-learn."""

    def _decision(self, X: Any, method: str) -> np.ndarray:
        X = check_n_features(X, self, method)
        return X @ self.coef_.T + self.intercept_

    def _store(self, W: np.ndarray, b: np.ndarray, single_output: bool) -> None:
        """Store weights W (n_features, k) and biases b (k,) in scikit-learn's shapes."""
        if single_output:
            self.coef_ = W[:, 0].copy()
            self.intercept_ = float(b[0])
        else:
            self.coef_ = np.ascontiguousarray(W.T)
            self.intercept_ = b.copy()


class RegressorMixin:
    def score(self, X: Any, y: Any) -> float:
        """R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² (averaged uniformly over outputs)."""
        y = np.asarray(y, dtype=np.float64)
        pred = self.predict(X)
        if pred.shape != y.shape:
            raise ValueError(f"{type(self).__name__}.score: y has shape {y.shape} but the "
                             f"predictions have shape {pred.shape}")
        ss_res = ((y - pred) ** 2).sum(axis=0)
        ss_tot = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = np.where(ss_tot > 0, 1.0 - ss_res / ss_tot, np.where(ss_res > 0, 0.0, 1.0))
        return float(np.mean(r2))


class ClassifierMixin:
    def score(self, X: Any, y: Any) -> float:
        """Accuracy: the fraction of samples with ``predict(X) == y``."""
        y = np.asarray(y)
        pred = self.predict(X)
        if pred.shape != y.shape:
            raise ValueError(f"{type(self).__name__}.score: y has shape {y.shape} but the "
                             f"predictions have shape {pred.shape}")
        return float(np.mean(pred == y))
